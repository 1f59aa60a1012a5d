// What on a kiosk screen falls short of WCAG 2.2 AA (see kiosk_world.A11Y_AUDIT).
() => {
  const problems = [];
  const rgb = (text) => (text.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const one = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * one(r) + 0.7152 * one(g) + 0.0722 * one(b);
  };
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) { return c.slice(0, 3); }
    }
    return [255, 255, 255];
  };
  const visible = (e) => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(e).visibility !== "hidden";
  };
  const describe = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " '" +
    (e.innerText || e.getAttribute("aria-label") || "").trim().slice(0, 40) + "'";
  for (const e of document.querySelectorAll("body *")) {
    if (!visible(e) || e.closest(".skip")) { continue; }
    const own = Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) { continue; }
    const style = getComputedStyle(e);
    const fg = luminance(rgb(style.color).slice(0, 3));
    const bg = luminance(background(e));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) { problems.push("contrast " + ratio.toFixed(2) + " " + describe(e)); }
  }
  for (const e of document.querySelectorAll("a[href], button, input:not([type=hidden]), textarea, select")) {
    if (!visible(e)) { continue; }
    const box = e.getBoundingClientRect();
    const name = (e.innerText || "").trim() || e.getAttribute("aria-label") ||
      (e.labels && e.labels.length ? e.labels[0].innerText.trim() : "");
    if (!name) { problems.push("no name: " + describe(e)); }
    const target = e.closest("label") || e;
    const area = target.getBoundingClientRect();
    if (Math.min(area.width, area.height) < 47.5 && !e.closest(".skip")) {
      problems.push("small target " + Math.round(area.width) + "x" + Math.round(area.height) + " " + describe(e));
    }
  }
  return problems;
}
