// Past conversations (GET /v1/conversations): listed beside the chat, opened, deleted; the one open is kept in
// localStorage so a reload resumes it.
import { getJson, request } from "./api.js";

const CURRENT = "hoidap.conversation";
const list = document.getElementById("conversations");
const status = document.getElementById("history-status");

export function currentConversation() { return localStorage.getItem(CURRENT); }

export function setCurrentConversation(id) {
  if (id) localStorage.setItem(CURRENT, id); else localStorage.removeItem(CURRENT);
  for (const li of list.children) li.classList.toggle("current", li.dataset.id === id);
}

export async function refreshConversations({ onOpen, onDeleted }) {
  let found;
  try {
    found = (await getJson("/v1/conversations")).conversations;
  } catch (error) {
    status.textContent = `Không tải được lịch sử: ${error.message}`;
    return;
  }
  list.textContent = "";
  status.textContent = found.length ? "" : "Chưa có cuộc trò chuyện nào.";
  for (const c of found) {
    const li = document.createElement("li");
    li.dataset.id = c.id;
    li.classList.toggle("current", c.id === currentConversation());
    const open = document.createElement("button");
    open.type = "button";
    open.className = "conversation";
    open.textContent = c.title;
    open.title = `${c.turns} câu hỏi, ${new Date(c.updated).toLocaleString("vi-VN")}`;
    open.addEventListener("click", () => onOpen(c.id));
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary small delete";
    remove.textContent = "Xóa";
    remove.setAttribute("aria-label", `Xóa cuộc trò chuyện «${c.title}»`);
    remove.addEventListener("click", async () => {
      try {
        await request(`/v1/conversations/${encodeURIComponent(c.id)}`, { method: "DELETE" });
        li.remove();
        onDeleted(c.id);
      } catch (error) {
        status.textContent = `Không xóa được: ${error.message}`;
      }
    });
    li.append(open, remove);
    list.appendChild(li);
  }
}

export async function loadConversation(id) {
  return getJson(`/v1/conversations/${encodeURIComponent(id)}`);
}
