// The page's tabs (the ARIA tabs pattern): one tab button and its panels shown per mode; the
// arrow keys move between tabs.

const $ = (id) => document.getElementById(id);

/**
 * @param {Record<string, string[]>} modes  name → [tab id, panel ids…]
 * @param {string} initial
 * @returns {(name: string, focus?: boolean) => void}  selects a mode
 */
export function tabs(modes, initial) {
  const names = Object.keys(modes);
  function select(name, focus = false) {
    for (const [key, [tabId, ...panels]] of Object.entries(modes)) {
      const on = key === name;
      const tab = $(tabId);
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      for (const id of panels) $(id).hidden = !on;
      if (on && focus) tab.focus();
    }
  }
  names.forEach((name, i) => {
    const tab = $(modes[name][0]);
    tab.addEventListener('click', () => select(name));
    tab.addEventListener('keydown', (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (step) select(names[(i + step + names.length) % names.length], true);
    });
  });
  select(initial);
  return select;
}
