import { escape } from './format.js';

/**
 * A server-paginated table: search, sort by clicking a header, pages, rows that expand to
 * details, an actions column. `load({limit, offset, sort, order, search})` returns an API page.
 */
export class PagedTable {
  constructor(root, { columns, load, key, details, actions, search = true, limit = 25, sort, order = 'desc', empty = 'Nothing here yet.' }) {
    Object.assign(this, { root, columns, load, key, details, actions, limit, sort, order, empty });
    this.offset = 0;
    this.search = '';
    this.rows = [];
    this.total = 0;
    this.expanded = new Set();
    this.onRows = () => {};
    root.innerHTML = `
      ${search ? '<div class="toolbar"><input type="search" placeholder="Search…" class="table-search"></div>' : ''}
      <div class="table-wrap"><table><thead></thead><tbody></tbody></table></div>
      <div class="pager"><span class="range"></span><div class="buttons">
        <button class="ghost small prev">‹ Prev</button><button class="ghost small next">Next ›</button></div></div>`;
    const input = root.querySelector('.table-search');
    let timer = null;
    input?.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => { this.search = input.value.trim(); this.offset = 0; this.reload(); }, 250);
    });
    root.querySelector('.prev').addEventListener('click', () => { this.offset = Math.max(0, this.offset - this.limit); this.reload(); });
    root.querySelector('.next').addEventListener('click', () => { this.offset += this.limit; this.reload(); });
    this.renderHead();
  }

  renderHead() {
    const cells = this.columns.map((column) => {
      const sorted = column.sort && column.sort === this.sort;
      const classes = [column.sort ? 'sortable' : '', sorted ? 'sorted' : '', sorted && this.order === 'asc' ? 'asc' : '', column.num ? 'num' : ''];
      return `<th class="${classes.join(' ')}" data-sort="${escape(column.sort ?? '')}">${escape(column.label)}</th>`;
    });
    if (this.actions) cells.push('<th></th>');
    const head = this.root.querySelector('thead');
    head.innerHTML = `<tr>${this.details ? '<th></th>' : ''}${cells.join('')}</tr>`;
    head.querySelectorAll('th.sortable').forEach((th) => th.addEventListener('click', () => {
      const sort = th.dataset.sort;
      this.order = sort === this.sort && this.order === 'desc' ? 'asc' : 'desc';
      this.sort = sort;
      this.offset = 0;
      this.renderHead();
      this.reload();
    }));
  }

  async reload() {
    try {
      const page = await this.load({ limit: this.limit, offset: this.offset, sort: this.sort, order: this.order, search: this.search || undefined });
      this.rows = page.data;
      this.total = page.total;
      if (this.offset > 0 && this.rows.length === 0 && this.total > 0) { this.offset = 0; return this.reload(); }
      this.render();
    } catch (error) {
      this.root.querySelector('tbody').innerHTML = `<tr><td colspan="99" class="empty">${escape(error.message)}</td></tr>`;
    }
  }

  /** Replaces the shown rows that have the same key (a live update), keeping the rest. */
  patch(rows) {
    let changed = false;
    for (const row of rows) {
      const index = this.rows.findIndex((shown) => shown[this.key] === row[this.key]);
      if (index >= 0) { this.rows[index] = row; changed = true; }
    }
    if (changed) this.render();
  }

  render() {
    const body = this.root.querySelector('tbody');
    if (!this.rows.length) {
      body.innerHTML = `<tr><td colspan="99" class="empty">${escape(this.empty)}</td></tr>`;
    } else {
      body.innerHTML = this.rows.map((row) => {
        const id = escape(row[this.key]);
        const open = this.expanded.has(String(row[this.key]));
        const cells = this.columns.map((column) => `<td class="${column.num ? 'num' : ''}">${column.render ? column.render(row) : escape(row[column.key])}</td>`);
        const toggle = this.details ? `<td><button class="ghost small expand" data-id="${id}" aria-label="details">${open ? '▾' : '▸'}</button></td>` : '';
        const actions = this.actions ? `<td class="num">${this.actions(row)}</td>` : '';
        const details = open ? `<tr class="details" data-for="${id}"><td colspan="99"><div class="details-body" data-id="${id}">Loading…</div></td></tr>` : '';
        return `<tr class="row" data-id="${id}">${toggle}${cells.join('')}${actions}</tr>${details}`;
      }).join('');
      body.querySelectorAll('button.expand').forEach((button) => button.addEventListener('click', () => {
        const id = button.dataset.id;
        if (this.expanded.has(id)) this.expanded.delete(id); else this.expanded.add(id);
        this.render();
      }));
      body.querySelectorAll('.details-body').forEach(async (element) => {
        const row = this.rows.find((r) => String(r[this.key]) === element.dataset.id);
        try { element.innerHTML = await this.details(row); } catch (error) { element.textContent = error.message; }
      });
    }
    const last = Math.min(this.offset + this.rows.length, this.total);
    this.root.querySelector('.range').textContent = this.total ? `${this.offset + 1}–${last} of ${this.total}` : '0 rows';
    this.root.querySelector('.prev').disabled = this.offset === 0;
    this.root.querySelector('.next').disabled = last >= this.total;
    this.onRows(this.rows);
  }
}
