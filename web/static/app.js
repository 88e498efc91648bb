// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add("js");

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const text = document.getElementById(button.dataset.copy).textContent.trim();
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "已复制";
  } catch {
    const range = document.createRange();  // no clipboard permission: select it for Ctrl+C
    range.selectNodeContents(document.getElementById(button.dataset.copy));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    button.textContent = "已选中，按 Ctrl+C 复制";
  }
  setTimeout(() => { button.textContent = label; }, 2000);
});

// Ticking a filter applies it at once (without JavaScript, the form's 应用筛选 button does).
document.addEventListener("change", (event) => {
  const box = event.target.closest(".facet-form input[type=checkbox]");
  if (box) box.form.requestSubmit();
});

const shortcuts = document.getElementById("shortcuts");
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-shortcuts]")) shortcuts.showModal();
});

// Keyboard shortcuts, as on most search sites: / search box, j/k next/previous result,
// o or Enter open it, ? this help. Never while typing in a field.
function typing(target) {
  return target.closest("input, textarea, select, [contenteditable=true]") !== null;
}

function moveTo(step) {
  const hits = [...document.querySelectorAll(".hit")];
  if (!hits.length) return;
  const current = hits.findIndex((hit) => hit.classList.contains("current"));
  const next = hits[Math.max(0, Math.min(hits.length - 1, current < 0 ? 0 : current + step))];
  hits.forEach((hit) => hit.classList.remove("current"));
  next.classList.add("current");
  next.tabIndex = -1;
  next.focus();
  next.scrollIntoView({ block: "nearest" });
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  if (shortcuts.open && event.key !== "?") return;  // the dialog handles its own keys (Esc)
  const box = document.querySelector(".searchbox input[type=search]");
  const current = document.querySelector(".hit.current");
  if (event.key === "/" && box) {
    event.preventDefault();
    box.focus();
    box.select();
  } else if (event.key === "j" || event.key === "k") {
    event.preventDefault();
    moveTo(event.key === "j" ? 1 : -1);
  } else if ((event.key === "o" || (event.key === "Enter" && event.target === current)) && current) {
    event.preventDefault();
    current.querySelector(".permalink").click();
  } else if (event.key === "?") {
    event.preventDefault();
    if (shortcuts.open) shortcuts.close(); else shortcuts.showModal();
  }
});

// Chapter reader: 上一处 / 下一处 walk the paragraphs that hold a match (wrapping around).
document.addEventListener("click", (event) => {
  const link = event.target.closest(".next-match, .prev-match");
  const matches = [...document.querySelectorAll(".chapter .match[id]")];
  if (!link || !matches.length) return;
  event.preventDefault();
  const step = link.classList.contains("next-match") ? 1 : -1;
  const here = matches.findIndex((m) => m.id === decodeURIComponent(location.hash.slice(1)));
  const next = here < 0 ? (step > 0 ? 0 : matches.length - 1) : (here + step + matches.length) % matches.length;
  location.hash = matches[next].id;
});

// Chapter reader: --matchbar is the sticky bar's height, so a jump (a link, 上一处 / 下一处, the
// page's own #anchor) lands with the paragraph and its heading below the bar, never under it.
const matchbar = document.querySelector(".matchbar");
if (matchbar) {
  const fit = () => document.documentElement.style.setProperty("--matchbar", `${matchbar.offsetHeight + 8}px`);
  fit();
  addEventListener("resize", fit);
  if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
}
