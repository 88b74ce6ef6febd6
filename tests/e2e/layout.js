// Run in the page by Visit.check_layout: horizontal overflow on any viewport; on a touch
// screen, controls smaller than 44 x 44 CSS px. Links inside a sentence are exempt (WCAG
// 2.5.5's inline exception): words around them, not just separators like "·" between
// links. A checkbox or radio counts with its label, which is what a finger actually taps.
// Also measures what sits at the top of the screen: the header plus any bar stuck to the top
// (position fixed or sticky), in CSS px.
// Returns {overflow: [...], small: [...], top: px} described for a person.
(touch) => {
  const describe = (el) => (el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '')
      + ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40) + '"');
  const shown = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && r.bottom > 0 && r.right > 0; };
  const doc = document.scrollingElement;
  const width = doc.clientWidth;
  const overflow = doc.scrollWidth > width + 1
      ? [...document.body.querySelectorAll('*')].filter(el => shown(el)
          && el.getBoundingClientRect().right > width + 1).slice(-4).map(describe)
      : [];
  const small = [];
  if (touch) {
    for (const el of document.querySelectorAll(
        'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]')) {
      if (!shown(el)) continue;
      let target = el;
      if (el.matches('input[type=checkbox], input[type=radio]')) {
        if (!el.labels || !el.labels.length) { small.push(describe(el)); continue; }
        target = el.labels[0];
      } else if (el.tagName === 'A' && el.parentElement) {
        let words = el.parentElement.innerText;
        for (const link of el.parentElement.querySelectorAll('a')) {
          words = words.replace(link.innerText, '');
        }
        if (/\p{L}/u.test(words)) continue;  // a link in a sentence
      }
      const r = target.getBoundingClientRect();
      if (r.height < 43.5 || r.width < 43.5) small.push(describe(target) + ` ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
  }
  // The header, plus any other fixed or sticky bar in the top half that starts under it.
  const header = document.querySelector('header.site-header');
  let top = 0;
  if (header) {
    const hr = header.getBoundingClientRect();
    top = hr.height;
    for (const el of document.body.querySelectorAll('*')) {
      if (header.contains(el)) continue;
      const s = getComputedStyle(el);
      if (s.position !== 'fixed' && s.position !== 'sticky') continue;
      const r = el.getBoundingClientRect();
      if (shown(el) && r.top < hr.bottom + 1 && r.top < window.innerHeight / 2) top += r.height;
    }
  }
  return {overflow, small, top: Math.round(top)};
}
