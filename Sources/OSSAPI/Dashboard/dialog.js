import { escape } from './format.js';

const dialog = () => document.getElementById('dialog');

/**
 * A form in the page's dialog. `fields`: {name, label, type (text, number, email, select,
 * checkbox, custom), value, options [{value, label}], required, min, render(container, values)}.
 * Resolves to the values or null when cancelled; `submit(values)` may throw to keep it open.
 */
export function form({ title, fields, submitLabel = 'Save', submit }) {
  return new Promise((resolve) => {
    const element = dialog();
    const container = document.getElementById('dialog-form');
    const inputs = fields.map((field) => {
      const id = `field-${field.name}`;
      if (field.type === 'custom') return `<div class="custom" data-name="${escape(field.name)}"></div>`;
      if (field.type === 'select') {
        const options = field.options.map((o) => `<option value="${escape(o.value)}" ${String(o.value) === String(field.value ?? '') ? 'selected' : ''}>${escape(o.label)}</option>`);
        return `<label for="${id}">${escape(field.label)}<select id="${id}" name="${escape(field.name)}" ${field.required ? 'required' : ''}>${options.join('')}</select></label>`;
      }
      if (field.type === 'checkbox') {
        return `<label><span><input type="checkbox" id="${id}" name="${escape(field.name)}" ${field.value ? 'checked' : ''}> ${escape(field.label)}</span></label>`;
      }
      return `<label for="${id}">${escape(field.label)}<input id="${id}" name="${escape(field.name)}" type="${field.type ?? 'text'}"
              value="${escape(field.value ?? '')}" ${field.required ? 'required' : ''} ${field.min !== undefined ? `min="${field.min}"` : ''}></label>`;
    });
    container.innerHTML = `<h2>${escape(title)}</h2>${inputs.join('')}<div class="notice" hidden></div>
      <div class="actions"><button type="button" class="ghost cancel">Cancel</button><button type="submit" class="submit">${escape(submitLabel)}</button></div>`;
    const values = () => Object.fromEntries(fields.filter((f) => f.type !== 'custom').map((field) => {
      const input = container.querySelector(`[name="${field.name}"]`);
      if (field.type === 'checkbox') return [field.name, input.checked];
      if (field.type === 'number') return [field.name, input.value === '' ? null : Number(input.value)];
      return [field.name, input.value === '' ? null : input.value];
    }));
    for (const field of fields.filter((f) => f.type === 'custom')) field.render(container.querySelector(`[data-name="${field.name}"]`), container);
    const finish = (result) => { element.close(); container.onsubmit = null; resolve(result); };
    container.querySelector('.cancel').onclick = () => finish(null);
    container.onsubmit = async (event) => {
      event.preventDefault();
      const collected = values();
      try {
        if (submit) await submit(collected, container);
        finish(collected);
      } catch (error) {
        const notice = container.querySelector('.notice');
        notice.hidden = false;
        notice.textContent = error.message;
      }
    };
    element.showModal();
  });
}

/** A yes/no question. */
export function confirm(title, text, yes = 'Yes') {
  return new Promise((resolve) => {
    const element = dialog();
    const container = document.getElementById('dialog-form');
    container.innerHTML = `<h2>${escape(title)}</h2><p>${escape(text)}</p>
      <div class="actions"><button type="button" class="ghost no">No</button><button type="button" class="yes danger">${escape(yes)}</button></div>`;
    container.querySelector('.no').onclick = () => { element.close(); resolve(false); };
    container.querySelector('.yes').onclick = () => { element.close(); resolve(true); };
    element.showModal();
  });
}
