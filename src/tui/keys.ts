/** Key bindings: the original smbcmp's defaults, new keys, and `~/.smbcmp` `[global] key_*` rebinding. */

export type Action =
  | "quit"
  | "up"
  | "down"
  | "prev"
  | "next"
  | "scroll_up"
  | "scroll_down"
  | "ignore"
  | "next_div"
  | "prev_div"
  | "search"
  | "search_next"
  | "search_prev"
  | "filter"
  | "profile"
  | "focus"
  | "toggle"
  | "expand_all"
  | "collapse_all"
  | "hex"
  | "same"
  | "link"
  | "top"
  | "bottom"
  | "page_up"
  | "page_down"
  | "help"
  | "split_up"
  | "split_down"
  | "redraw";

/** Action, default keys, help text (in help-screen order). */
export const DEFAULT_BINDINGS: readonly [Action, readonly string[], string][] = [
  ["up", ["k", "up"], "move up in the focused pane"],
  ["down", ["j", "down"], "move down in the focused pane"],
  ["prev", ["d"], "previous packet / pair"],
  ["next", ["f"], "next packet / pair"],
  ["scroll_up", ["b", "pgup"], "scroll the detail / diff pane up"],
  ["scroll_down", ["n", "pgdn"], "scroll the detail / diff pane down"],
  ["page_up", ["C-b"], "page up in the focused pane"],
  ["page_down", ["C-f"], "page down in the focused pane"],
  ["top", ["g", "home"], "first line of the focused pane"],
  ["bottom", ["G", "end"], "last line of the focused pane"],
  ["next_div", ["]"], "next divergence (diff) / next error (single)"],
  ["prev_div", ["["], "previous divergence / error"],
  ["ignore", ["a"], "toggle ignoring the field under the diff cursor"],
  ["same", ["s"], "show / hide SAME fields in the diff"],
  ["profile", ["p"], "switch ignore profile"],
  ["link", ["u"], "unlink / link the two lists (pick any pair by hand)"],
  ["focus", ["tab"], "switch focus between panes"],
  ["toggle", ["enter", "space"], "expand / collapse the node under the cursor"],
  ["expand_all", ["e"], "expand every node"],
  ["collapse_all", ["c"], "collapse every node"],
  [
    "hex",
    ["x"],
    "toggle the hex pane: the field's bytes, a decrypted field's in the plaintext (diff: A | B)",
  ],
  ["search", ["/"], "search the focused pane (then n / N, Esc to clear)"],
  ["search_next", [], "next match (n while a search is active)"],
  ["search_prev", ["N"], "previous match"],
  ["filter", ["F"], "filter the lists: display filter (smb2.cmd == 5) or substring"],
  ["split_up", ["-"], "move the list/detail split up"],
  ["split_down", ["+", "="], "move the list/detail split down"],
  ["help", ["?", "h"], "this help"],
  ["redraw", ["C-l"], "redraw the screen"],
  ["quit", ["q", "C-c"], "quit"],
];

/**
 * The original smbcmp's `[global] key_*` names, so an existing ~/.smbcmp keeps working: lwin = left
 * (A) list, rwin = right (B) list, top = both lists, bwin = bottom (diff) pane.
 */
const ALIASES: Record<string, Action> = {
  lwin_next: "next",
  lwin_prev: "prev",
  rwin_next: "down",
  rwin_prev: "up",
  top_next: "down",
  top_prev: "up",
  bwin_next: "scroll_down",
  bwin_prev: "scroll_up",
  vsplit_up: "split_up",
  vsplit_down: "split_down",
  toggle_ignore: "ignore",
  previous: "prev",
  exit: "quit",
};

/** A config key value → key name: `f`, `KEY_DOWN`/`down`, `^F`/`C-f`, `tab`, `space`... */
export function keyName(v: string): string | undefined {
  const s = v.trim();
  if (s.length === 1) return s === " " ? "space" : s;
  const m = /^(?:\^|C-|ctrl-)(.)$/i.exec(s);
  if (m) return `C-${m[1]!.toLowerCase()}`;
  const k = s.toLowerCase().replace(/^key_/, "");
  const names: Record<string, string> = {
    up: "up",
    down: "down",
    left: "left",
    right: "right",
    npage: "pgdn",
    ppage: "pgup",
    pgdn: "pgdn",
    pgup: "pgup",
    pagedown: "pgdn",
    pageup: "pgup",
    home: "home",
    end: "end",
    tab: "tab",
    enter: "enter",
    space: "space",
    esc: "esc",
  };
  return names[k];
}

export interface Bindings {
  /** key name → action */
  map: Map<string, Action>;
  /** action → keys, for the help screen */
  keys: Map<Action, string[]>;
  warnings: string[];
}

export function makeBindings(cfgKeys: Readonly<Record<string, string>> = {}): Bindings {
  const keys = new Map<Action, string[]>();
  for (const [a, ks] of DEFAULT_BINDINGS) keys.set(a, [...ks]);
  const warnings: string[] = [];
  const actions = new Set(DEFAULT_BINDINGS.map((b) => b[0]));
  const rebound = new Set<Action>();
  for (const [name, val] of Object.entries(cfgKeys)) {
    const a = (actions.has(name as Action) ? name : ALIASES[name]) as Action | undefined;
    const k = keyName(val);
    if (!a) warnings.push(`key_${name}: unknown action`);
    else if (!k) warnings.push(`key_${name}: unknown key "${val}"`);
    else {
      // The new key replaces the action's default letter keys; arrows and page keys stay.
      // Several config names may feed one action (rwin_next and top_next): the later ones add.
      const kept = rebound.has(a)
        ? keys.get(a)!
        : keys.get(a)!.filter((x) => x.length > 1 && !x.startsWith("C-"));
      rebound.add(a);
      for (const [b, ks] of keys)
        keys.set(
          b,
          ks.filter((x) => x !== k),
        );
      keys.set(a, [k, ...kept.filter((x) => x !== k)]);
    }
  }
  const map = new Map<string, Action>();
  for (const [a, ks] of keys) for (const k of ks) map.set(k, a);
  return { map, keys, warnings };
}
