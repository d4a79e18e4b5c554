/// <reference lib="dom" />
/**
 * A virtualized listbox: only the visible rows exist in the DOM, rows are fetched in pages on
 * demand, and past a few million pixels the scroll range is scaled so 1M+ rows still fit.
 */
const PAGE = 200;
const MAX_PX = 8_000_000;

export class VList<T> {
  readonly el: HTMLElement;
  private spacer: HTMLElement;
  private pool: HTMLElement[] = [];
  private pages = new Map<number, T[] | "loading">();
  private gen = 0;
  total = 0;
  sel = -1;
  readonly rowH = 20;
  /** Called after each draw with (first visible, visible count): the minimap follows it. */
  onScroll?: (first: number, n: number) => void;

  constructor(
    el: HTMLElement,
    private fetchPage: (offset: number, limit: number) => Promise<T[]>,
    private render: (row: T | undefined, i: number, div: HTMLElement) => void,
    private onSelect: (i: number, row: T | undefined) => void,
  ) {
    this.el = el;
    el.classList.add("list");
    el.setAttribute("role", "listbox");
    el.tabIndex = 0;
    this.spacer = document.createElement("div");
    this.spacer.className = "spacer";
    el.append(this.spacer);
    el.addEventListener("scroll", () => this.draw());
    el.addEventListener("click", (e) => {
      const r = (e.target as HTMLElement).closest<HTMLElement>(".row");
      if (r?.dataset.i) this.select(Number(r.dataset.i), false);
    });
    new ResizeObserver(() => this.draw()).observe(el);
  }

  reset(total: number): void {
    this.gen++;
    this.pages.clear();
    this.total = total;
    if (this.sel >= total) this.sel = total - 1;
    this.draw();
  }

  row(i: number): T | undefined {
    const p = this.pages.get(Math.floor(i / PAGE));
    return Array.isArray(p) ? p[i % PAGE] : undefined;
  }

  /** Row i, fetching its page if needed. */
  async get(i: number): Promise<T | undefined> {
    await this.load(Math.floor(i / PAGE));
    return this.row(i);
  }

  private async load(pg: number): Promise<void> {
    if (this.pages.has(pg)) {
      while (this.pages.get(pg) === "loading") await new Promise((r) => setTimeout(r, 10));
      return;
    }
    const gen = this.gen;
    this.pages.set(pg, "loading");
    try {
      const rows = await this.fetchPage(pg * PAGE, PAGE);
      if (gen === this.gen) this.pages.set(pg, rows);
    } catch {
      if (gen === this.gen) this.pages.delete(pg);
    }
    if (gen === this.gen) this.draw();
  }

  private geometry(): { h: number; scaled: boolean; vis: number } {
    const full = this.total * this.rowH;
    const vis = Math.max(1, Math.floor(this.el.clientHeight / this.rowH));
    return { h: Math.min(full, MAX_PX), scaled: full > MAX_PX, vis };
  }

  /** Fractional first visible row for the current scrollTop. */
  private position(): number {
    const { h, scaled, vis } = this.geometry();
    const st = this.el.scrollTop;
    if (!scaled) return st / this.rowH;
    const range = h - this.el.clientHeight;
    return range > 0 ? (st / range) * Math.max(0, this.total - vis) : 0;
  }

  scrollTo(i: number, center = false): void {
    const { h, scaled, vis } = this.geometry();
    const first = this.position();
    if (!center && i >= first && i < first + vis - 1) return;
    const pos = Math.max(0, center ? i - vis / 2 : i < first ? i : i - vis + 2);
    if (!scaled) this.el.scrollTop = pos * this.rowH;
    else this.el.scrollTop = (pos / Math.max(1, this.total - vis)) * (h - this.el.clientHeight);
    this.draw();
  }

  select(i: number, scroll = true): void {
    if (!this.total) return;
    i = Math.max(0, Math.min(this.total - 1, i));
    this.sel = i;
    if (scroll) this.scrollTo(i);
    this.draw();
    void this.get(i).then((r) => {
      if (this.sel === i) this.onSelect(i, r);
    });
  }

  draw(): void {
    const { h } = this.geometry();
    this.spacer.style.height = `${h}px`;
    const pos = this.position();
    const first = Math.floor(pos);
    const top = this.el.scrollTop - (pos - first) * this.rowH;
    const n = Math.min(this.total - first, Math.ceil(this.el.clientHeight / this.rowH) + 1);
    while (this.pool.length < n) {
      const d = document.createElement("div");
      d.className = "row";
      d.setAttribute("role", "option");
      this.el.append(d);
      this.pool.push(d);
    }
    for (let k = 0; k < this.pool.length; k++) {
      const d = this.pool[k]!;
      if (k >= n) {
        d.hidden = true;
        continue;
      }
      const i = first + k;
      d.hidden = false;
      d.style.top = `${top + k * this.rowH}px`;
      d.dataset.i = String(i);
      d.id = `${this.el.id}-r${k}`;
      d.setAttribute("aria-posinset", String(i + 1));
      d.setAttribute("aria-setsize", String(this.total));
      d.setAttribute("aria-selected", String(i === this.sel));
      if (i === this.sel) this.el.setAttribute("aria-activedescendant", d.id);
      const r = this.row(i);
      if (!r) void this.load(Math.floor(i / PAGE));
      this.render(r, i, d);
    }
    this.onScroll?.(first, n);
  }
}
