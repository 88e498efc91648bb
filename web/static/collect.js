// 引用清单: paragraph ids kept in this browser (localStorage), no server state. Checkboxes on
// results and paragraph pages add or remove; the header link and the list page follow.
const KEY = "report-search:collection";

function stored() {
  try { return JSON.parse(localStorage.getItem(KEY) || "[]").filter((id) => typeof id === "string"); }
  catch { return []; }
}

function save(ids) {
  localStorage.setItem(KEY, JSON.stringify(ids));
  refresh(ids);
}

// The list page's path as the server wrote it (under the site's path prefix, if any).
const LIST_PATH = (document.querySelector("a.collection-link")?.getAttribute("href") || "collection").split("?")[0];

function listUrl(ids) {
  return LIST_PATH + (ids.length ? "?" + ids.map((id) => "id=" + encodeURIComponent(id)).join("&") : "");
}

function refresh(ids) {
  document.querySelectorAll("[data-collection-count]").forEach((el) => { el.textContent = ids.length; });
  document.querySelectorAll("a.collection-link").forEach((a) => { a.href = listUrl(ids); });
  document.querySelectorAll("input[data-collect]").forEach((box) => { box.checked = ids.includes(box.dataset.collect); });
}

document.addEventListener("change", (event) => {
  const box = event.target.closest("input[data-collect]");
  if (!box) return;
  const ids = stored().filter((id) => id !== box.dataset.collect);
  if (box.checked) ids.push(box.dataset.collect);
  save(ids);
});

document.addEventListener("click", (event) => {
  const remove = event.target.closest("[data-collection-remove]");
  const clear = event.target.closest("[data-collection-clear]");
  if (!remove && !clear) return;
  const ids = clear ? [] : stored().filter((id) => id !== remove.dataset.collectionRemove);
  save(ids);
  location.replace(listUrl(ids));
});

const ids = stored();
refresh(ids);
// The list page shows what this browser collected: its ids go into the URL the server renders.
if (document.querySelector("[data-collection-page]") && !location.search && ids.length) {
  location.replace(listUrl(ids));
}
