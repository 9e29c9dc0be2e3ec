// A citation opened in its document: the report's normalised text (GET /v1/documents/{source}, the text the
// citation's offsets index) with the cited passage highlighted and scrolled into view, and the page for PDFs
// and scans.
import { getJson } from "./api.js";

const dialog = document.getElementById("viewer");
const title = document.getElementById("viewer-title");
const meta = document.getElementById("viewer-meta");
const body = document.getElementById("viewer-text");
document.getElementById("viewer-close").addEventListener("click", () => dialog.close());

// "trang 3 (OCR), bảng “Biểu 1…”, 2012-10-29": where a citation is, in words (no character offsets)
export function whereabouts(c) {
  const parts = [];
  if (c.page != null) parts.push(`trang ${c.page}${c.ocr ? " (OCR)" : ""}`);
  else if (c.ocr) parts.push("OCR");
  if (c.table) parts.push(`bảng “${c.table}”`);
  if (c.date) parts.push(c.date);
  return parts.join(", ");
}

function documentPath(source) {
  return "/v1/documents/" + source.split("/").map(encodeURIComponent).join("/");
}

function highlight(text, citation, evidence) {
  body.textContent = "";
  const start = Math.max(0, Math.min(citation.start, text.length));
  const end = Math.max(start, Math.min(citation.end, text.length));
  const passage = document.createElement("mark");
  passage.className = "passage";
  const cited = text.slice(start, end);
  const at = evidence ? cited.indexOf(evidence) : -1;
  if (at >= 0) {  // the sentence the answer came from, inside the passage
    const strong = document.createElement("strong");
    strong.textContent = evidence;
    passage.append(cited.slice(0, at), strong, cited.slice(at + evidence.length));
  } else {
    passage.textContent = cited;
  }
  body.append(text.slice(0, start), passage, text.slice(end));
  return passage;
}

export async function openCitation(citation, evidence) {
  title.textContent = citation.title || citation.source;
  const where = whereabouts(citation);
  meta.textContent = `${citation.source}${where ? " — " + where : ""}`;
  body.textContent = "Đang mở tài liệu…";
  if (!dialog.open) dialog.showModal();
  try {
    const doc = await getJson(documentPath(citation.source));
    const passage = highlight(doc.text, citation, evidence);
    passage.scrollIntoView({ block: "center" });
  } catch (error) {
    body.textContent = `Không mở được tài liệu: ${error.message}`;
  }
}
