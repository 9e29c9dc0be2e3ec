// Requests to the service with the API key kept in this browser (localStorage), and the key's own field:
// set, changed or cleared there (never window.prompt). A 401 opens the field and says why.
const KEY = "hoidap.key";
const listeners = [];

export function apiKey() { return localStorage.getItem(KEY) || ""; }

export function onKeyChange(listener) { listeners.push(listener); }

function setKey(value) {
  if (value) localStorage.setItem(KEY, value); else localStorage.removeItem(KEY);
  listeners.forEach((listener) => listener(value));
}

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

// fetch() with the key; a failed response becomes an ApiError with the service's message
export async function request(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (options.body && !headers["Content-Type"]) headers["Content-Type"] = "application/json";
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  const response = await fetch(path, { ...options, headers });
  if (response.ok) return response;
  const body = await response.json().catch(() => ({}));
  const message = (body.error && body.error.message) || `HTTP ${response.status}`;
  if (response.status === 401) showKeyForm("Dịch vụ yêu cầu khóa API: nhập khóa rồi thử lại. " + message);
  throw new ApiError(response.status, message);
}

export async function getJson(path, options) { return (await request(path, options)).json(); }

const form = document.getElementById("key-form");
const input = document.getElementById("api-key");
const toggle = document.getElementById("key-toggle");
const status = document.getElementById("key-status");

function describe() {
  const key = apiKey();
  status.textContent = key ? `Đang dùng khóa …${key.slice(-4)}` : "Chưa có khóa (dịch vụ mở không cần khóa).";
}

export function showKeyForm(message) {
  form.hidden = false;
  toggle.setAttribute("aria-expanded", "true");
  if (message) status.textContent = message; else describe();
  input.focus();
}

toggle.addEventListener("click", () => {
  if (form.hidden) showKeyForm(); else { form.hidden = true; toggle.setAttribute("aria-expanded", "false"); }
});
form.addEventListener("submit", (e) => {
  e.preventDefault();
  const value = input.value.trim();
  if (!value) { status.textContent = "Nhập khóa trước khi lưu (hoặc bấm «Xóa khóa»)."; return; }
  input.value = "";
  setKey(value);
  describe();
});
document.getElementById("key-clear").addEventListener("click", () => {
  input.value = "";
  setKey("");
  describe();
});
describe();
