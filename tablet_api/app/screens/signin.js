// Sign-in: by face (the camera in the page, a burst of frames to /session/face while the inmate
// blinks or turns his head) and by prison number and PIN where the prison allows it.
import * as api from "../api.js";
import { explain, field, h, heading, notice, t } from "../ui.js";

const FRAMES = 5; // the most /session/face takes
const GAP_MS = 200; // five frames over a second: long enough for a blink or a turn
let whenSignedIn = () => {};
let stream = null;

export function onSignedIn(listener) {
  whenSignedIn = listener;
}

function stopCamera() {
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
}

export async function render(main, farewell) {
  stopCamera();
  main.replaceChildren(heading(t("signin.title")));
  if (farewell) main.append(notice(farewell));
  if (!api.deviceCredential()) {
    main.append(notice(t("signin.unbound"), "error"));
    main.setAttribute("data-ready", "signin");
    return;
  }
  let device;
  try {
    device = await api.get("/device", { bearer: false });
  } catch (error) {
    main.append(notice(explain(error), "error"));
    main.append(h("button", { type: "button", onclick: () => render(main, "") }, t("retry")));
    main.setAttribute("data-ready", "signin");
    return;
  }
  const methods = device.sign_in_methods;
  if (methods.includes("face")) main.append(faceForm());
  if (methods.includes("pin")) main.append(pinForm());
  main.setAttribute("data-ready", "signin");
}

function faceForm() {
  const status = h("p", { class: "face-status", role: "status", "aria-live": "polite" });
  const video = h("video", {
    class: "camera",
    autoplay: true,
    muted: true,
    playsinline: true,
    hidden: true,
    "aria-label": t("signin.camera"),
  });
  const start = h("button", { type: "button", class: "primary big", id: "face-start" }, t("signin.face"));
  start.addEventListener("click", async () => {
    start.disabled = true;
    status.textContent = "";
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { width: 640, height: 480, facingMode: "user" },
        audio: false,
      });
    } catch {
      status.textContent = t("signin.nocamera");
      start.disabled = false;
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    status.textContent = t("signin.prompt");
    try {
      await video.play();
      const frames = await burst(video);
      status.textContent = t("signin.checking");
      const profile = await api.signInWith("face", { frames });
      stopCamera();
      whenSignedIn(profile);
    } catch (error) {
      status.textContent = explain(error);
      stopCamera();
      video.hidden = true;
      start.disabled = false;
    }
  });
  return h("section", { class: "card signin-face", "aria-labelledby": "face-start" }, start, video, status);
}

// Each frame a new picture from the camera, at least GAP_MS after the one before.
function burst(video) {
  return new Promise((resolve, reject) => {
    const frames = [];
    let lastAt = 0;
    let lastFrame = -1;
    const canvas = document.createElement("canvas");
    const giveUp = setTimeout(() => {
      if (frames.length >= 2) resolve(frames);
      else reject(new Error("camera"));
    }, FRAMES * GAP_MS + 6000);
    const take = (_now, meta) => {
      const number = meta ? meta.presentedFrames : lastFrame + 1;
      const now = performance.now();
      if (number !== lastFrame && now - lastAt >= GAP_MS) {
        lastFrame = number;
        lastAt = now;
        canvas.width = video.videoWidth || 640;
        canvas.height = video.videoHeight || 480;
        canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
        frames.push(canvas.toDataURL("image/jpeg", 0.9).split(",", 2)[1]);
      }
      if (frames.length >= FRAMES) {
        clearTimeout(giveUp);
        resolve(frames);
      } else {
        video.requestVideoFrameCallback(take);
      }
    };
    video.requestVideoFrameCallback(take);
  });
}

function pinForm() {
  const number = h("input", {
    name: "prison_number",
    autocomplete: "off",
    autocapitalize: "characters",
    required: true,
    maxlength: 32,
  });
  const pin = h("input", {
    name: "pin",
    type: "password",
    inputmode: "numeric",
    autocomplete: "off",
    required: true,
    maxlength: 12,
  });
  const status = h("p", { class: "form-status", role: "status" });
  const form = h(
    "form",
    { class: "card signin-pin", "aria-labelledby": "pin-title" },
    h("h2", { id: "pin-title" }, t("signin.pin")),
    field(t("signin.number"), number),
    field(t("signin.pincode"), pin),
    h("button", { type: "submit", class: "primary" }, t("signin.go")),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = t("signin.checking");
    try {
      const profile = await api.signInWith("pin", {
        prison_number: number.value.trim().toUpperCase(),
        pin: pin.value,
      });
      whenSignedIn(profile);
    } catch (error) {
      pin.value = "";
      status.textContent = explain(error);
    }
  });
  return form;
}
