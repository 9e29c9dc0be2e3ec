// 👍/👎 under an answer (POST /v1/feedback), then an optional comment — and after 👎 the right answer, if the
// reader knows it (it becomes the gold answer of `hoidap feedback export`).
import { request } from "./api.js";

async function send(messageId, rating, comment, expected) {
  const body = { message_id: messageId, rating };
  if (comment) body.comment = comment;
  if (expected) body.expected = expected;
  return (await request("/v1/feedback", { method: "POST", body: JSON.stringify(body) })).json();
}

function field(tag, label, name) {
  const wrap = document.createElement("label");
  wrap.textContent = label;
  const input = document.createElement(tag);
  input.name = name;
  input.maxLength = 2000;
  if (tag === "textarea") input.rows = 2;
  wrap.appendChild(input);
  return [wrap, input];
}

export function feedbackBar(messageId, given) {
  const bar = document.createElement("div");
  bar.className = "feedback";
  const status = document.createElement("span");
  status.className = "status";
  status.setAttribute("role", "status");
  const buttons = {};
  let rating = given ? given.rating : null;
  const form = document.createElement("form");
  form.className = "feedback-comment";
  form.hidden = true;
  const [commentLabel, comment] = field("textarea", "Nhận xét (không bắt buộc)", "comment");
  const [expectedLabel, expected] = field("input", "Câu trả lời đúng, nếu bạn biết", "expected");
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.textContent = "Gửi nhận xét";
  form.append(commentLabel, expectedLabel, submit);
  comment.value = (given && given.comment) || "";
  expected.value = (given && given.expected) || "";

  function show() {
    for (const [name, button] of Object.entries(buttons)) button.setAttribute("aria-pressed", String(name === rating));
  }
  for (const [name, label, text] of [["up", "Câu trả lời đúng", "👍 Đúng"], ["down", "Câu trả lời sai", "👎 Sai"]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `rate rate-${name}`;
    button.textContent = text;
    button.setAttribute("aria-label", label);
    button.addEventListener("click", async () => {
      try {
        await send(messageId, name, comment.value.trim(), name === "down" ? expected.value.trim() : "");
        rating = name;
        show();
        expectedLabel.hidden = name !== "down";
        form.hidden = false;
        status.textContent = "Đã ghi nhận. Thêm nhận xét nếu muốn.";
      } catch (error) {
        status.textContent = `Không gửi được: ${error.message}`;
      }
    });
    buttons[name] = button;
    bar.appendChild(button);
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await send(messageId, rating, comment.value.trim(), rating === "down" ? expected.value.trim() : "");
      form.hidden = true;
      status.textContent = "Cảm ơn phản hồi của bạn!";
    } catch (error) {
      status.textContent = `Không gửi được: ${error.message}`;
    }
  });
  show();
  if (given) status.textContent = given.comment ? `Đã góp ý: ${given.comment}` : "Đã đánh giá.";
  bar.append(status, form);
  return bar;
}
