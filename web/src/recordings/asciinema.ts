// Loaded on demand (dynamic import from RecordingPlayer.tsx): the player and its WebAssembly
// terminal stay out of the main bundle until someone presses Play.
import * as AsciinemaPlayer from "asciinema-player";
import "asciinema-player/dist/bundle/asciinema-player.css";

export type Player = AsciinemaPlayer.Player;

export function createPlayer(url: string, element: HTMLElement): Player {
  return AsciinemaPlayer.create(url, element, {
    fit: "width",
    autoPlay: true,
    // Long pauses (reading, thinking) are shortened to 2 s in the replay.
    idleTimeLimit: 2,
  });
}
