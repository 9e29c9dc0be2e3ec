// hỏi đáp documents page: lists the indexed documents (GET /v1/documents), uploads files (POST /v1/documents),
// deletes one (DELETE /v1/documents/{source}) and follows the job each starts (GET /v1/jobs/{id}) with a
// progress bar, then what it did: files added, updated, removed, and skipped with their reasons.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const KEY = "hoidap.key";  // the same key the chat page keeps
  const POLL_MS = 400;
  const STAGES = {
    "waiting to start": "Đang chờ",
    starting: "Bắt đầu",
    reading: "Đang đọc tệp",
    ocr: "Đang nhận dạng chữ (OCR)",
    embedding: "Đang tạo vector cho đoạn văn",
    "embedding answer units": "Đang tạo vector cho câu",
    writing: "Đang ghi chỉ mục",
    done: "Hoàn tất",
    failed: "Thất bại",
  };
  const KINDS = { upload: "Tải lên", replace: "Thay thế", delete: "Xóa", reindex: "Lập chỉ mục lại" };

  function authHeaders() {
    const key = localStorage.getItem(KEY);
    return key ? { Authorization: `Bearer ${key}` } : {};
  }

  async function api(path, options = {}) {
    const response = await fetch(path, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
    if (response.status === 401) {
      $("key-box").hidden = false;
      $("key").focus();
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((body.error && body.error.message) || `HTTP ${response.status}`);
    return body;
  }

  function show(id, message) {
    const element = $(id);
    element.textContent = message || "";
    element.hidden = !message;
  }

  function sourcePath(source) {
    return source.split("/").map(encodeURIComponent).join("/");
  }

  function cell(text, extra) {
    const td = document.createElement("td");
    td.textContent = text || "—";
    if (extra) {
      const small = document.createElement("span");
      small.className = "source";
      small.textContent = extra;
      td.appendChild(small);
    }
    return td;
  }

  function deleteButton(doc) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "danger";
    button.textContent = "Xóa";
    button.setAttribute("aria-label", `Xóa ${doc.source}`);
    button.addEventListener("click", async () => {
      if (!button.classList.contains("confirm")) {  // a second click confirms: no dialog box
        button.classList.add("confirm");
        button.textContent = "Xác nhận xóa?";
        return;
      }
      button.disabled = true;
      try {
        follow(await api(`/v1/documents/${sourcePath(doc.source)}`, { method: "DELETE" }));
      } catch (error) {
        show("list-error", `Không xóa được: ${error.message}`);
        button.disabled = false;
      }
    });
    return button;
  }

  // documents a page (GET /v1/documents?limit=…; /documents?limit=N sets it): an archive holds far more than one screen
  const PAGE = Math.min(1000, Math.max(1, Number(new URLSearchParams(location.search).get("limit")) || 200));
  let nextOffset = null;

  async function loadPage(offset) {
    let page;
    try {
      page = await api(`/v1/documents?limit=${PAGE}&offset=${offset}`);
      show("list-error", "");
    } catch (error) {
      show("list-error", `Không tải được danh sách: ${error.message}`);
      return;
    }
    const body = $("documents").querySelector("tbody");
    if (offset === 0) body.textContent = "";
    for (const doc of page.documents) {  // by collection and source, as the service lists them
      const row = document.createElement("tr");
      row.dataset.source = doc.source;
      const actions = document.createElement("td");
      actions.appendChild(deleteButton(doc));
      row.append(cell(doc.collection), cell(doc.title, doc.source), cell(doc.date), cell(doc.format), actions);
      body.appendChild(row);
    }
    nextOffset = page.next_offset;
    const shown = body.querySelectorAll("tr").length;
    $("list-count").textContent = `${shown} / ${page.total} tài liệu`;
    $("more").hidden = nextOffset === null;
  }

  async function loadCollections() {
    let collections;
    try {
      collections = (await api("/v1/collections")).collections;
    } catch (error) {
      return;  // the list's own error says what went wrong
    }
    const options = $("collections");
    options.textContent = "";
    for (const collection of collections) {
      const option = document.createElement("option");
      option.value = collection.name;
      options.appendChild(option);
    }
  }

  async function loadDocuments() {
    await Promise.all([loadPage(0), loadCollections()]);
  }

  function list(title, items, className, action) {
    const fragment = document.createDocumentFragment();
    if (!items.length) return fragment;
    const p = document.createElement("p");
    p.textContent = `${title} (${items.length}):`;
    const ul = document.createElement("ul");
    if (className) ul.className = className;
    for (const item of items) {
      const li = document.createElement("li");
      li.textContent = action ? `${item.source}: ${item.reason} ` : item;
      if (action) li.appendChild(action(item));  // a skipped file is kept: it can be deleted from here
      ul.appendChild(li);
    }
    fragment.append(p, ul);
    return fragment;
  }

  function renderJob(job) {
    $("job").hidden = false;
    const stage = STAGES[job.stage] || job.stage.replace(/^waiting: /, "Đang chờ: ");
    const files = job.files.length ? ` — ${job.files.join(", ")}` : "";
    $("job-label").textContent = `${KINDS[job.kind]} (${job.collection})${files}: ${stage}`;
    $("job-progress").value = job.progress;
    const result = $("job-result");
    result.textContent = "";
    if (job.status === "failed") {
      const p = document.createElement("p");
      p.className = "error";
      p.textContent = job.error;
      result.appendChild(p);
    }
    const s = job.summary;
    if (!s) return;
    result.append(
      list("Đã thêm", s.added),
      list("Đã cập nhật", s.updated),
      list("Đã xóa", s.removed),
      list("Bỏ qua", s.skipped, "skipped", deleteButton),
    );
  }

  async function follow(job) {
    renderJob(job);
    while (job.status === "queued" || job.status === "running") {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      try {
        job = await api(`/v1/jobs/${encodeURIComponent(job.id)}`);
      } catch (error) {
        show("upload-error", `Không theo dõi được công việc: ${error.message}`);
        return;
      }
      renderJob(job);
    }
    await loadDocuments();
  }

  $("upload-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    show("upload-error", "");
    const button = $("upload");
    button.disabled = true;
    try {
      const job = await api("/v1/documents", { method: "POST", body: new FormData(event.target) });
      $("files").value = "";
      await follow(job);
    } catch (error) {
      show("upload-error", `Không tải lên được: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  });

  $("more").addEventListener("click", async () => {
    const button = $("more");
    button.disabled = true;
    try {
      if (nextOffset !== null) await loadPage(nextOffset);
    } finally {
      button.disabled = false;
    }
  });

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(KEY, $("key").value.trim());
    $("key").value = "";
    $("key-box").hidden = true;
    start();
  });
  $("key-clear").addEventListener("click", () => {
    localStorage.removeItem(KEY);
    $("key").value = "";
  });

  async function start() {
    await loadDocuments();
    try {  // a job still running (e.g. started before a reload) is followed again
      const latest = (await api("/v1/jobs")).jobs[0];
      if (latest && (latest.status === "queued" || latest.status === "running")) follow(latest);
    } catch (error) {
      show("list-error", error.message);
    }
  }
  start();
})();
