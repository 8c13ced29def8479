import type { KeyboardEvent, PointerEvent } from "react";

export interface SplitterProps {
  /** "vertical" splits columns (drag left and right); "horizontal" splits rows. */
  orientation: "vertical" | "horizontal";
  /** Share of the parent taken by the pane before the splitter, 0..1. */
  value: number;
  min?: number;
  max?: number;
  onChange: (value: number) => void;
  label: string;
  testId?: string;
}

const STEP = 0.02;

/**
 * A draggable, keyboard-operable divider between two panes (WAI-ARIA window splitter:
 * arrows move it, Home/End go to the limits). The value is a share of the parent element,
 * so a layout survives a window resize.
 */
export function Splitter({ orientation, value, min = 0.15, max = 0.85, onChange, label, testId }: SplitterProps) {
  const clamp = (v: number) => Math.min(max, Math.max(min, v));
  const vertical = orientation === "vertical";

  function onPointerDown(e: PointerEvent<HTMLDivElement>) {
    const parent = e.currentTarget.parentElement;
    if (!parent || e.button !== 0) return;
    e.preventDefault();
    const rect = parent.getBoundingClientRect();
    const target = e.currentTarget;
    target.setPointerCapture(e.pointerId);
    const move = (ev: globalThis.PointerEvent) => {
      onChange(clamp(vertical ? (ev.clientX - rect.left) / rect.width : (ev.clientY - rect.top) / rect.height));
    };
    const up = () => {
      target.removeEventListener("pointermove", move);
      target.removeEventListener("pointerup", up);
      target.removeEventListener("pointercancel", up);
      document.body.classList.remove("resizing");
    };
    document.body.classList.add("resizing");
    target.addEventListener("pointermove", move);
    target.addEventListener("pointerup", up);
    target.addEventListener("pointercancel", up);
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const less = vertical ? "ArrowLeft" : "ArrowUp";
    const more = vertical ? "ArrowRight" : "ArrowDown";
    if (e.key === less) onChange(clamp(value - STEP));
    else if (e.key === more) onChange(clamp(value + STEP));
    else if (e.key === "Home") onChange(min);
    else if (e.key === "End") onChange(max);
    else return;
    e.preventDefault();
  }

  return (
    <div
      role="separator"
      tabIndex={0}
      aria-orientation={orientation}
      aria-label={label}
      aria-valuenow={Math.round(value * 100)}
      aria-valuemin={Math.round(min * 100)}
      aria-valuemax={Math.round(max * 100)}
      className={`splitter splitter-${orientation}`}
      data-testid={testId}
      onPointerDown={onPointerDown}
      onKeyDown={onKeyDown}
    />
  );
}
