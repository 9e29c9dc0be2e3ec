// hỏi đáp chat page: sends the conversation to /v1/chat/completions (stream: true, remembered by the service
// with store / conversation_id), renders the answer as it streams in, then its sources and feedback buttons.
// Past conversations are listed (history.js), citations open in their document (viewer.js), the API key has
// its own field (api.js).
import { ApiError, onKeyChange, request } from "./api.js";
import {
  currentConversation, loadConversation, refreshConversations, setCurrentConversation,
} from "./history.js";
import { answerText, bubble, renderAnswer } from "./render.js";

const form = document.getElementById("ask-form");
const input = document.getElementById("question");
const send = document.getElementById("send");
const list = document.getElementById("messages");
let messages = [];  // [{role, content}] sent with every question, so follow-ups keep their context

function clear() {
  messages = [];
  list.textContent = "";
  setCurrentConversation(null);
}

const handlers = {
  onOpen: (id) => open(id),
  onDeleted: (id) => { if (id === currentConversation()) clear(); },
};
const refresh = () => refreshConversations(handlers);

async function open(id) {
  let conversation;
  try {
    conversation = await loadConversation(id);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) { clear(); refresh(); return; }
    throw error;
  }
  clear();
  setCurrentConversation(id);
  for (const m of conversation.messages) {
    bubble("user", m.question);
    const text = answerText(m.content);
    renderAnswer(bubble("assistant"), text, m.reply, m.id, m.feedback);
    messages.push({ role: "user", content: m.question }, { role: "assistant", content: text });
  }
  input.focus();
}

async function* events(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const line = buffer.slice(0, cut).trim();
      buffer = buffer.slice(cut + 2);
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data !== "[DONE]") yield JSON.parse(data);
    }
  }
}

async function ask(question) {
  bubble("user", question);
  messages.push({ role: "user", content: question });
  const div = bubble("assistant", "…");
  send.disabled = true;
  let content = "";
  let extra = {};
  try {
    const body = { model: "hoidap", stream: true, messages, store: true };
    const conversation = currentConversation();
    if (conversation) body.conversation_id = conversation;
    const response = await request("/v1/chat/completions", { method: "POST", body: JSON.stringify(body) });
    for await (const event of events(response)) {
      const choice = event.choices[0];
      if (!choice) continue;
      if (choice.delta && choice.delta.content) {
        content += choice.delta.content;
        div.textContent = answerText(content);
      }
      if (choice.finish_reason) extra = event;
    }
    const text = answerText(content);
    const hoidap = extra.hoidap || {};
    renderAnswer(div, text, { citations: extra.citations, evidence: hoidap.evidence, notes: hoidap.notes },
      extra.message_id, null);
    messages.push({ role: "assistant", content: text });
    if (extra.conversation_id && extra.conversation_id !== conversation) {
      setCurrentConversation(extra.conversation_id);
    }
    refresh();
  } catch (error) {
    div.classList.add("error");
    div.textContent = `Không trả lời được: ${error.message}`;
    messages.pop();
    if (error instanceof ApiError && error.status === 401) input.value = question;  // to send again with a key
  } finally {
    send.disabled = false;
    if (document.activeElement?.id !== "api-key") input.focus();  // a 401 put the cursor in the key field
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
document.getElementById("new-chat").addEventListener("click", () => { clear(); refresh(); input.focus(); });
onKeyChange(() => { clear(); refresh(); });  // another key is another caller: its own conversations

refresh();
if (currentConversation()) open(currentConversation()).catch(() => clear());
input.focus();
