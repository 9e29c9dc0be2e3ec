// hỏi đáp chat page: sends the conversation to /v1/chat/completions (stream: true), renders the answer as it
// streams in, then the sources with the quoted passage and the evidence highlighted.
(() => {
  "use strict";
  const form = document.getElementById("ask-form");
  const input = document.getElementById("question");
  const send = document.getElementById("send");
  const list = document.getElementById("messages");
  const SOURCES_MARK = "\n\nNguồn / Sources:";
  let history = [];  // [{role, content}] sent with every question, so follow-ups keep their context

  function bubble(role, text) {
    const div = document.createElement("div");
    div.className = `message ${role}`;
    if (text) div.textContent = text;
    list.appendChild(div);
    div.scrollIntoView({ block: "end", behavior: "smooth" });
    return div;
  }

  function highlighted(passage, evidence) {
    const quote = document.createElement("blockquote");
    const at = evidence ? passage.indexOf(evidence) : -1;
    if (at < 0) { quote.textContent = passage; return quote; }
    quote.append(passage.slice(0, at));
    const mark = document.createElement("mark");
    mark.textContent = evidence;
    quote.append(mark, passage.slice(at + evidence.length));
    return quote;
  }

  function renderFinal(div, answerText, extra) {
    div.textContent = "";
    const answer = document.createElement("p");
    answer.className = "answer";
    answer.textContent = answerText;
    div.appendChild(answer);
    for (const note of (extra.hoidap && extra.hoidap.notes) || []) {
      const p = document.createElement("p");
      p.className = "note";
      p.textContent = note;
      div.appendChild(p);
    }
    const citations = extra.citations || [];
    if (!citations.length) return;
    const ol = document.createElement("ol");
    ol.className = "sources";
    ol.setAttribute("aria-label", "Nguồn");
    const evidence = extra.hoidap && extra.hoidap.evidence;
    citations.forEach((c, i) => {
      const li = document.createElement("li");
      const details = document.createElement("details");
      details.open = i === 0;  // the passage the answer came from is shown; the others open on demand
      const summary = document.createElement("summary");
      const title = document.createElement("strong");
      title.textContent = c.title;
      const meta = document.createElement("span");
      meta.className = "meta";
      const page = c.page != null ? `, trang ${c.page}${c.ocr ? " (OCR)" : ""}` : "";
      const table = c.table ? `, bảng “${c.table}”` : "";
      meta.textContent = ` — ${c.source}${c.date ? ", " + c.date : ""}${page}${table} (ký tự ${c.start}–${c.end})`;
      summary.append(title, meta);
      details.append(summary, highlighted(c.text, evidence));
      li.appendChild(details);
      ol.appendChild(li);
    });
    div.appendChild(ol);
  }

  async function ask(question) {
    document.getElementById("hint")?.remove();
    bubble("user", question);
    history.push({ role: "user", content: question });
    const div = bubble("assistant", "…");
    send.disabled = true;
    let content = "";
    let extra = {};
    try {
      const post = () => {
        const headers = { "Content-Type": "application/json" };
        const key = localStorage.getItem("hoidap.key");
        if (key) headers.Authorization = `Bearer ${key}`;
        return fetch("/v1/chat/completions", {
          method: "POST", headers, body: JSON.stringify({ model: "hoidap", stream: true, messages: history }),
        });
      };
      let response = await post();
      if (response.status === 401) {  // the service requires an API key: ask for it once, keep it here
        const key = window.prompt("Dịch vụ yêu cầu khóa API. Nhập khóa (API key):");
        if (key) { localStorage.setItem("hoidap.key", key.trim()); response = await post(); }
      }
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        throw new Error((body.error && body.error.message) || `HTTP ${response.status}`);
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const line = buffer.slice(0, cut).trim();
          buffer = buffer.slice(cut + 2);
          if (!line.startsWith("data:")) continue;
          const data = line.slice(5).trim();
          if (data === "[DONE]") continue;
          const event = JSON.parse(data);
          const choice = event.choices[0];
          if (choice.delta && choice.delta.content) {
            content += choice.delta.content;
            div.textContent = content.split(SOURCES_MARK)[0];
          }
          if (choice.finish_reason) extra = event;
        }
      }
      const answerText = content.split(SOURCES_MARK)[0];
      renderFinal(div, answerText, extra);
      history.push({ role: "assistant", content: answerText });
    } catch (error) {
      div.classList.add("error");
      div.textContent = `Không trả lời được: ${error.message}`;
      history.pop();
    } finally {
      send.disabled = false;
      input.focus();
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const question = input.value.trim();
    if (!question || send.disabled) return;
    input.value = "";
    ask(question);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  document.getElementById("new-chat").addEventListener("click", () => {
    history = [];
    list.textContent = "";
    input.focus();
  });
  input.focus();
})();
