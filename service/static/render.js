// An answer as the page shows it: the answer, notes, sources (the quoted passage with the evidence highlighted,
// where it is in words, a button that opens it in its document) and the feedback buttons.
import { feedbackBar } from "./feedback.js";
import { openCitation, whereabouts } from "./viewer.js";

export const SOURCES_MARK = "\n\nNguồn / Sources:";
const list = document.getElementById("messages");

export function bubble(role, text) {
  document.getElementById("hint")?.remove();
  const div = document.createElement("div");
  div.className = `message ${role}`;
  if (text) div.textContent = text;
  list.appendChild(div);
  div.scrollIntoView({ block: "end" });
  return div;
}

export function answerText(content) { return content.split(SOURCES_MARK)[0]; }

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

function source(c, i, evidence) {
  const li = document.createElement("li");
  const details = document.createElement("details");
  details.open = i === 0;  // the passage the answer came from is shown; the others open on demand
  const summary = document.createElement("summary");
  const title = document.createElement("strong");
  title.textContent = c.title;
  const meta = document.createElement("span");
  meta.className = "meta";
  const where = whereabouts(c);
  meta.textContent = ` — ${c.source}${where ? ", " + where : ""}`;
  summary.append(title, meta);
  const open = document.createElement("button");
  open.type = "button";
  open.className = "secondary small open-source";
  open.textContent = c.page != null ? `Mở tài liệu (trang ${c.page})` : "Mở tài liệu";
  open.addEventListener("click", () => openCitation(c, evidence));
  details.append(summary, highlighted(c.text, evidence), open);
  li.appendChild(details);
  return li;
}

// details: {citations, evidence, notes}; messageId: the stored turn (feedback needs it), or null
export function renderAnswer(div, text, details, messageId, feedback) {
  div.textContent = "";
  const answer = document.createElement("p");
  answer.className = "answer";
  answer.textContent = text;
  div.appendChild(answer);
  for (const note of details.notes || []) {
    const p = document.createElement("p");
    p.className = "note";
    p.textContent = note;
    div.appendChild(p);
  }
  const citations = details.citations || [];
  if (citations.length) {
    const ol = document.createElement("ol");
    ol.className = "sources";
    ol.setAttribute("aria-label", "Nguồn");
    citations.forEach((c, i) => ol.appendChild(source(c, i, details.evidence)));
    div.appendChild(ol);
  }
  if (messageId) div.appendChild(feedbackBar(messageId, feedback));
}
