// Reception camera: show the camera, take stills, and put them in the photo field as JPEGs,
// so staff enrol from the camera the same way as from uploaded photos.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("camera");
  const input = document.getElementById("photos");
  const source = document.getElementById("source");
  if (!box || !input || !navigator.mediaDevices || !window.DataTransfer) {
    return;
  }
  box.hidden = false;
  const video = box.querySelector("video");
  const start = box.querySelector("[data-start]");
  const take = box.querySelector("[data-take]");
  const status = box.querySelector("[data-status]");
  const taken = new DataTransfer();

  start.addEventListener("click", async () => {
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({
        video: { width: 1280, height: 720 },
      });
      await video.play();
      take.disabled = false;
      status.textContent = "Camera on. Ask the inmate to look at it, then take a photo.";
    } catch (error) {
      status.textContent = `No camera: ${error.message}. Upload photos instead.`;
    }
  });

  take.addEventListener("click", () => {
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob(
      (blob) => {
        const name = `camera-${taken.files.length + 1}.jpg`;
        taken.items.add(new File([blob], name, { type: "image/jpeg" }));
        input.files = taken.files;
        source.value = "camera";
        status.textContent = `${taken.files.length} photo(s) taken. Press Enrol to check and keep them.`;
      },
      "image/jpeg",
      0.92,
    );
  });
});
