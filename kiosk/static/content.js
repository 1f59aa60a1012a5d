// Cellgate kiosk library: the player starts where the inmate stopped and tells the server
// where it is every ten seconds and on pause; while it plays, the inmate is watching, not
// idle. Self-hosted, no inline script (the page's Content-Security-Policy forbids it).
(function () {
  "use strict";
  var player = document.getElementById("player");
  if (!player) { return; }
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = meta ? meta.getAttribute("content") : "";
  var start = parseInt(player.getAttribute("data-position") || "0", 10);
  var saveUrl = player.getAttribute("data-save");
  var lastSaved = -1;
  player.addEventListener("loadedmetadata", function () {
    if (start > 0 && start < player.duration - 1) { player.currentTime = start; }
  });
  var save = function () {
    var seconds = Math.floor(player.currentTime || 0);
    if (seconds === lastSaved) { return; }
    lastSaved = seconds;
    var body = new URLSearchParams();
    body.set("seconds", String(seconds));
    fetch(saveUrl, { method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRFToken": csrfToken } }).catch(function () { /* the next save will tell */ });
  };
  var lastTick = 0;
  player.addEventListener("timeupdate", function () {
    if (Date.now() - lastTick < 10000) { return; }
    lastTick = Date.now();
    save();
    // The idle countdown (kiosk.js) restarts on input: playing counts as being there.
    document.dispatchEvent(new Event("input"));
  });
  player.addEventListener("pause", save);
  player.addEventListener("ended", save);
})();
