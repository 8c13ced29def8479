// The catalogue the service starts with: 12 authors, 40 books, about 80 reviews. Built the
// same way at every start, so the grader knows what to expect.
//
// DO NOT CHANGE THIS FILE: the hidden tests check answers against this data.

export type AuthorRow = { id: number; name: string; born: number };
export type BookRow = { id: number; title: string; year: number; authorId: number };
export type ReviewRow = { id: number; bookId: number; rating: number; body: string; reviewer: string; draft: boolean };

const AUTHORS: [string, number][] = [
  ["Ursula K. Le Guin", 1929],
  ["Octavia E. Butler", 1947],
  ["Isaac Asimov", 1920],
  ["Frank Herbert", 1920],
  ["N. K. Jemisin", 1972],
  ["Ted Chiang", 1967],
  ["Iain M. Banks", 1954],
  ["Ann Leckie", 1966],
  ["Liu Cixin", 1963],
  ["Becky Chambers", 1985],
  ["Arkady Martine", 1985],
  ["Martha Wells", 1964],
];

// [title, year, author id]. Author ids are deliberately not in book order.
const BOOKS: [string, number, number][] = [
  ["The Left Hand of Darkness", 1969, 1],
  ["Kindred", 1979, 2],
  ["Foundation", 1951, 3],
  ["Dune", 1965, 4],
  ["The Fifth Season", 2015, 5],
  ["Stories of Your Life and Others", 2002, 6],
  ["Consider Phlebas", 1987, 7],
  ["Ancillary Justice", 2013, 8],
  ["The Three-Body Problem", 2008, 9],
  ["The Long Way to a Small, Angry Planet", 2014, 10],
  ["A Memory Called Empire", 2019, 11],
  ["All Systems Red", 2017, 12],
  ["The Dispossessed", 1974, 1],
  ["Parable of the Sower", 1993, 2],
  ["I, Robot", 1950, 3],
  ["Dune Messiah", 1969, 4],
  ["The Obelisk Gate", 2016, 5],
  ["Exhalation", 2019, 6],
  ["The Player of Games", 1988, 7],
  ["Ancillary Sword", 2014, 8],
  ["The Dark Forest", 2008, 9],
  ["A Closed and Common Orbit", 2016, 10],
  ["A Desolation Called Peace", 2021, 11],
  ["Artificial Condition", 2018, 12],
  ["A Wizard of Earthsea", 1968, 1],
  ["Dawn", 1987, 2],
  ["The Caves of Steel", 1954, 3],
  ["Children of Dune", 1976, 4],
  ["The Stone Sky", 2017, 5],
  ["Use of Weapons", 1990, 7],
  ["Ancillary Mercy", 2015, 8],
  ["Death's End", 2010, 9],
  ["Record of a Spaceborn Few", 2018, 10],
  ["Rogue Protocol", 2018, 12],
  ["The Lathe of Heaven", 1971, 1],
  ["Parable of the Talents", 1998, 2],
  ["The Gods Themselves", 1972, 3],
  ["Excession", 1996, 7],
  ["Exit Strategy", 2018, 12],
  ["The Word for World Is Forest", 1972, 1],
];

const REVIEWERS = ["ada", "grace", "linus", "margaret", "ken", "barbara"];
const WORDS = ["Gripping", "Slow to start, then unputdownable", "Dated in places", "A classic", "Did not finish", "Re-read it twice"];

export function seed(): { authors: AuthorRow[]; books: BookRow[]; reviews: ReviewRow[] } {
  const authors = AUTHORS.map(([name, born], i) => ({ id: i + 1, name, born }));
  const books = BOOKS.map(([title, year, authorId], i) => ({ id: i + 1, title, year, authorId }));
  const reviews: ReviewRow[] = [];
  for (const book of books) {
    // 0 to 4 published reviews per book, the same at every start.
    const count = (book.id * 7) % 5;
    for (let k = 0; k < count; k++) {
      reviews.push({
        id: reviews.length + 1,
        bookId: book.id,
        rating: 1 + ((book.id * 3 + k) % 5),
        body: WORDS[(book.id + k) % WORDS.length]!,
        reviewer: REVIEWERS[(book.id + 2 * k) % REVIEWERS.length]!,
        draft: false,
      });
    }
  }
  return { authors, books, reviews };
}
