// Search of the web edition: the site's only script. It loads Pagefind's index of the page's
// language from the site itself (../pagefind/), never from the network, and lists the results
// as links with their excerpt. The form also works as a plain GET form (?q=…), so a search can
// be linked to and the Back button restores it.
const form = document.querySelector(".search-form");
const input = document.getElementById("search-input");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const siteRoot = new URL("../", import.meta.url); // assets/ is one level below the site's root
let pagefind = null;
let latest = 0;

function say(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

// Pagefind's excerpts are the page's own text with <mark> around the words found: keep the text
// and the marks, nothing else.
function excerptNodes(excerpt) {
  const parsed = new DOMParser().parseFromString(`<p>${excerpt}</p>`, "text/html");
  const out = document.createElement("p");
  for (const node of parsed.body.firstChild.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) out.append(node.textContent);
    else if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      out.append(mark);
    } else out.append(node.textContent);
  }
  return out;
}

async function load() {
  if (!pagefind) {
    pagefind = await import(new URL("pagefind/pagefind.js", siteRoot).href);
    await pagefind.options({ excerptLength: 24 });
  }
  return pagefind;
}

async function run(query) {
  const ticket = ++latest;
  list.replaceChildren();
  if (!query.trim()) { status.textContent = ""; return; }
  status.textContent = form.dataset.loading;
  let found;
  try {
    const engine = await load();
    const search = await engine.search(query);
    found = await Promise.all(search.results.map((r) => r.data()));
  } catch (error) {
    if (ticket === latest) status.textContent = form.dataset.error;
    return;
  }
  if (ticket !== latest) return; // a later query is on its way
  const count = found.length;
  status.textContent = say(count === 0 ? form.dataset.none : count === 1 ? form.dataset.one
    : form.dataset.many, { count, query });
  for (const result of found) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = new URL(result.url, location.href).href; // Pagefind adds the site's own base
    link.textContent = result.meta.title || result.url;
    item.append(link, excerptNodes(result.excerpt));
    list.append(item);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const url = new URL(location.href);
  url.searchParams.set("q", input.value);
  history.replaceState(null, "", url);
  run(input.value);
});

let timer = 0;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => run(input.value), 250);
});

const initial = new URL(location.href).searchParams.get("q");
if (initial) { input.value = initial; run(initial); }
