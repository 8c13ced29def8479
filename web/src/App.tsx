import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import { api, ApiError, errorMessage, SESSION_LOST_EVENT, type User } from "./api.ts";
import { matchRoute, navigate, usePath } from "./router.ts";
import { Header } from "./components/Header.tsx";
import { Link } from "./components/Link.tsx";
import { LoginPage } from "./pages/LoginPage.tsx";
import { SignupPage } from "./pages/SignupPage.tsx";
import { CatalogPage } from "./pages/CatalogPage.tsx";
import { ProgressPage } from "./pages/ProgressPage.tsx";
import { AccountPage } from "./pages/AccountPage.tsx";
import { AdminPage } from "./pages/AdminPage.tsx";
import { FirstAdminPage } from "./pages/FirstAdminPage.tsx";
import { ResetPasswordPage } from "./pages/ResetPasswordPage.tsx";
import { SkipLink } from "./components/SkipLink.tsx";
import { ClaimPage } from "./assessments/ClaimPage.tsx";
import { JoinPage } from "./cohorts/JoinPage.tsx";
import { LiveBar } from "./cohorts/LiveBar.tsx";
import { MemberPage } from "./cohorts/MemberPage.tsx";

// The instructor's pages (and the terminal the room embeds) load on demand.
const CandidatePage = lazy(() => import("./assessments/CandidatePage.tsx").then((m) => ({ default: m.CandidatePage })));
const HirePage = lazy(() => import("./assessments/HirePage.tsx").then((m) => ({ default: m.HirePage })));
const AssessmentBoard = lazy(() => import("./assessments/HirePage.tsx").then((m) => ({ default: m.AssessmentBoard })));
const CandidateReview = lazy(() =>
  import("./assessments/CandidateReview.tsx").then((m) => ({ default: m.CandidateReview })),
);
const TeachPage = lazy(() => import("./cohorts/TeachPage.tsx").then((m) => ({ default: m.TeachPage })));
const RoomPage = lazy(() => import("./cohorts/RoomPage.tsx").then((m) => ({ default: m.RoomPage })));
const WebhooksPage = lazy(() => import("./webhooks/WebhooksPage.tsx").then((m) => ({ default: m.WebhooksPage })));

// The exercise page pulls in xterm.js and the markdown renderer: load it on demand.
const ExercisePage = lazy(() => import("./pages/ExercisePage.tsx").then((m) => ({ default: m.ExercisePage })));

/** undefined = still checking the session, null = signed out. */
type AuthState = User | null | undefined;

export function App() {
  const path = usePath();
  const route = matchRoute(path);
  const [user, setUser] = useState<AuthState>(undefined);
  const [bootError, setBootError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    api.me().then(
      ({ user }) => {
        if (!cancelled) setUser(user);
      },
      (err: unknown) => {
        if (cancelled) return;
        if (err instanceof ApiError && err.status === 401) setUser(null);
        else setBootError(errorMessage(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const isAuthRoute = route.name === "login" || route.name === "signup" || route.name === "firstAdmin";
  const [sessionNotice, setSessionNotice] = useState<string | null>(null);
  const userRef = useRef<AuthState>(undefined);
  userRef.current = user;

  // Any request answered "not signed in" (the session ended on the server): sign in again,
  // then come back to this page.
  useEffect(() => {
    const lost = () => {
      if (!userRef.current) return;
      setSessionNotice(
        "Your session has ended (signed out elsewhere, expired, or the account was disabled). Sign in again to continue where you were.",
      );
      setUser(null);
    };
    window.addEventListener(SESSION_LOST_EVENT, lost);
    return () => window.removeEventListener(SESSION_LOST_EVENT, lost);
  }, []);

  useEffect(() => {
    if (
      user === null &&
      !isAuthRoute &&
      route.name !== "join" &&
      route.name !== "take" &&
      route.name !== "resetPassword"
    )
      navigate(loginPathFor(window.location.pathname + window.location.search), { replace: true });
    if (user && isAuthRoute) navigate(nextFromQuery(), { replace: true });
  }, [user, isAuthRoute, route.name]);

  const onAuthenticated = useCallback((u: User) => {
    setSessionNotice(null);
    setUser(u);
    navigate(nextFromQuery());
  }, []);

  /** The session is already gone on the server (signed out everywhere). */
  const onSignedOut = useCallback(() => {
    setUser(null);
    navigate("/login");
  }, []);

  const onSignOut = useCallback(async () => {
    // Signed in through the identity provider: its session ends too, on its own page.
    const sso = await api.ssoLogout().catch(() => null);
    if (sso?.endSessionUrl) {
      window.location.assign(sso.endSessionUrl);
      return;
    }
    if (!sso) await api.logout().catch(() => undefined);
    setUser(null);
    navigate("/login");
  }, []);

  if (bootError) {
    return (
      <main className="center-page">
        <p role="alert" className="alert">
          {bootError}
        </p>
      </main>
    );
  }
  if (user === undefined) return <p className="loading center-page">Loading…</p>;

  // A reset link works signed in or out (it signs every session of its account out).
  if (route.name === "resetPassword") return <ResetPasswordPage />;
  // An invite link signs a candidate in (a new session replaces any other).
  if (route.name === "take") return <ClaimPage token={route.token} onAuthenticated={setUser} />;
  // A candidate account exists only inside its assessment: one page, nothing else.
  if (user?.role === "candidate") {
    return (
      <Suspense fallback={<p className="loading center-page">Loading…</p>}>
        <CandidatePage onSignOut={() => void onSignOut()} />
      </Suspense>
    );
  }

  if (!user) {
    // A join link signs up or in on the way; the page joins once there is a user.
    if (route.name === "join") return <JoinPage code={route.code} user={null} onAuthenticated={setUser} />;
    if (route.name === "signup") return <SignupPage onAuthenticated={onAuthenticated} />;
    if (route.name === "firstAdmin") return <FirstAdminPage onAuthenticated={onAuthenticated} />;
    return <LoginPage onAuthenticated={onAuthenticated} notice={sessionNotice} />;
  }

  return (
    <div className="app">
      <SkipLink />
      <Header user={user} onSignOut={onSignOut} />
      <LiveBar key={user.id} />
      {route.name === "progress" ? (
        <ProgressPage />
      ) : route.name === "userProgress" ? (
        <ProgressPage key={route.id} userId={route.id} />
      ) : route.name === "account" ? (
        <AccountPage user={user} onSignedOut={onSignedOut} />
      ) : route.name === "admin" && user.role === "admin" ? (
        <AdminPage user={user} />
      ) : route.name === "webhooks" && (user.role === "admin" || user.role === "instructor") ? (
        <Suspense fallback={<p className="loading page">Loading…</p>}>
          <WebhooksPage user={user} />
        </Suspense>
      ) : (route.name === "hire" || route.name === "hireAssessment" || route.name === "hireCandidate") &&
        (user.role === "instructor" || user.role === "admin") ? (
        <Suspense fallback={<p className="loading page">Loading…</p>}>
          {route.name === "hire" ? (
            <HirePage />
          ) : route.name === "hireAssessment" ? (
            <AssessmentBoard key={route.id} id={route.id} />
          ) : (
            <CandidateReview
              key={`${route.id}:${route.candidateId}`}
              assessmentId={route.id}
              candidateId={route.candidateId}
            />
          )}
        </Suspense>
      ) : route.name === "exercise" ? (
        <Suspense fallback={<p className="loading page">Loading…</p>}>
          <ExercisePage key={route.id} id={route.id} />
        </Suspense>
      ) : route.name === "join" ? (
        <JoinPage code={route.code} user={user} onAuthenticated={setUser} />
      ) : route.name === "cohort" ? (
        <MemberPage key={route.id} id={route.id} />
      ) : (route.name === "teach" || route.name === "room") && (user.role === "instructor" || user.role === "admin") ? (
        <Suspense fallback={<p className="loading page">Loading…</p>}>
          {route.name === "teach" ? <TeachPage /> : <RoomPage key={route.id} id={route.id} />}
        </Suspense>
      ) : route.name === "notFound" ? (
        <main className="page">
          <h1>Page not found</h1>
          <p>
            <Link href="/">Back to the catalog</Link>
          </p>
        </main>
      ) : (
        <CatalogPage />
      )}
    </div>
  );
}

/** The sign-in page, remembering where to come back to. */
function loginPathFor(here: string): string {
  return here === "/" || here.startsWith("/login") ? "/login" : `/login?next=${encodeURIComponent(here)}`;
}

/** Where sign-in leads: the page the user was on, if it is one of the lab's own paths. */
function nextFromQuery(): string {
  const next = new URLSearchParams(window.location.search).get("next") ?? "/";
  return /^\/(?![/\\])/.test(next) ? next : "/";
}
