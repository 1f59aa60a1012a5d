// Cellgate kiosk: idle sign-out with a visible countdown, no context menu or text selection,
// the on-screen keypad, the face camera and the card reader's news.
// Self-hosted, no inline script: the page's Content-Security-Policy forbids both.
(function () {
  "use strict";
  var JSON_HEADERS = { "Accept": "application/json" };
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = meta ? meta.getAttribute("content") : "";

  ["contextmenu", "dragstart", "selectstart"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var target = event.target;
      if (name === "selectstart" && target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) { return; }
      event.preventDefault();
    });
  });

  // A page restored from the back/forward cache must never show a signed-out inmate's data:
  // ask the server again (personal pages are no-store, so it answers with the start screen).
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });

  // A button that undoes something (cancel an order, withdraw a request) asks for a second
  // press: the first one only says so on the button, for a few seconds.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
    var button = form.querySelector("button[type=submit]");
    var label = button ? button.querySelector(".label") : null;
    if (!label) { return; }
    var said = label.textContent;
    var armed = null;
    form.addEventListener("submit", function (event) {
      if (armed) { window.clearTimeout(armed); armed = null; return; }
      event.preventDefault();
      label.textContent = form.getAttribute("data-confirm");
      button.classList.add("armed");
      armed = window.setTimeout(function () {
        armed = null;
        label.textContent = said;
        button.classList.remove("armed");
      }, 6000);
    });
  });

  // One press at a time: once a button or a link has sent the screen on its way, further
  // touches wait for the next screen. A second tap on the old screen would cancel the first
  // one's answer (an item added once instead of twice, a cart seen empty). If no answer comes
  // within a while the screen takes touches again, so a lost request never freezes it.
  var leaving = function () {
    document.body.classList.add("leaving");
    window.setTimeout(function () { document.body.classList.remove("leaving"); }, 10000);
  };
  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) { leaving(); }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || event.defaultPrevented || link.hasAttribute("download")) { return; }
    var href = link.getAttribute("href") || "";
    if (href.charAt(0) === "#" || link.target === "_blank") { return; }
    leaving();
  });

  // Idle sign-out. The server ends the session too; this makes it visible and prompt, and
  // tells the server about touches that did not load a page.
  var body = document.body;
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var signOutForm = document.getElementById("sign-out");
  var counter = document.getElementById("countdown");
  var counterBox = document.getElementById("countdown-box");
  if (idleSeconds > 0 && signOutForm) {
    var left = idleSeconds;
    var lastPing = Date.now();
    var show = function () {
      if (counter) { counter.textContent = String(Math.max(left, 0)); }
      if (counterBox) { counterBox.classList.toggle("urgent", left <= 10); }
    };
    var touched = function () {
      left = idleSeconds;
      show();
      if (Date.now() - lastPing > 15000) {
        lastPing = Date.now();
        fetch("/still-here", { method: "POST", credentials: "same-origin",
          headers: { "Accept": "application/json", "X-CSRFToken": csrfToken } })
          .catch(function () { /* the next page load will tell */ });
      }
    };
    ["pointerdown", "keydown", "touchstart", "input", "wheel"].forEach(function (name) {
      document.addEventListener(name, touched, { passive: true });
    });
    show();
    var timer = window.setInterval(function () {
      left -= 1;
      show();
      if (left === 0) {
        var why = document.createElement("input");
        why.type = "hidden";
        why.name = "why";
        why.value = "idle";
        signOutForm.appendChild(why);
        signOutForm.submit();
      }
    }, 1000);
    // Once a page is on its way (a link or a button was pressed), this one stops counting:
    // a slow answer must not sign the inmate out behind his back. The server keeps its own
    // idle clock for a page that never arrives.
    window.addEventListener("beforeunload", function () { window.clearInterval(timer); });
  }

  // A screen left waiting (the start screen) loads itself again after a while without a touch,
  // so its form tokens stay fresh and an old message does not stay on show.
  var refreshSeconds = parseInt(body.getAttribute("data-refresh-seconds") || "0", 10);
  var refreshTo = body.getAttribute("data-refresh-to") || window.location.pathname;
  if (refreshSeconds > 0) {
    var renewNow = function () { window.location.replace(refreshTo); };
    var renew = window.setTimeout(renewNow, refreshSeconds * 1000);
    ["pointerdown", "keydown"].forEach(function (name) {
      document.addEventListener(name, function () {
        window.clearTimeout(renew);
        renew = window.setTimeout(renewNow, refreshSeconds * 1000);
      }, { passive: true });
    });
  }

  // Provisioning: the launcher may pass the device key in the URL fragment (never sent to a
  // server, so never in a log); put it in the form, drop it from the address and send it.
  var deviceForm = document.getElementById("device-form");
  if (deviceForm && window.location.hash.indexOf("#cgd_") === 0) {
    document.getElementById("credential").value = decodeURIComponent(window.location.hash.slice(1));
    window.history.replaceState(null, "", window.location.pathname);
    deviceForm.submit();
  }

  // On-screen keypad for the number and PIN (a kiosk has no keyboard).
  var keypadForm = document.getElementById("pin-form");
  if (keypadForm) {
    var numberField = document.getElementById("prison_number");
    var pinField = document.getElementById("pin");
    var target = (numberField && !numberField.value) ? numberField : pinField;
    [numberField, pinField].forEach(function (field) {
      if (field) { field.addEventListener("focus", function () { target = field; }); }
    });
    Array.prototype.forEach.call(keypadForm.querySelectorAll("button[data-key]"), function (key) {
      key.addEventListener("click", function () {
        var value = key.getAttribute("data-key");
        if (value === "back") { target.value = target.value.slice(0, -1); }
        else if (value === "next") { target = pinField; }
        else { target.value += value; }
        target.focus();
      });
    });
    target.focus();
  }

  // On-screen keyboard for text fields: types into the text field last touched.
  var keyboard = document.querySelector(".keyboard");
  if (keyboard) {
    var fields = document.querySelectorAll(".typing");
    var field = fields.length ? fields[0] : null;
    var capitals = false;
    Array.prototype.forEach.call(fields, function (each) {
      each.addEventListener("focus", function () { field = each; });
    });
    var shift = keyboard.querySelector('[data-action="shift"]');
    keyboard.addEventListener("click", function (event) {
      var key = event.target.closest("button");
      if (!key || !field) { return; }
      var action = key.getAttribute("data-action");
      if (action === "shift") {
        capitals = !capitals;
        shift.setAttribute("aria-pressed", capitals ? "true" : "false");
      } else if (action === "delete") {
        field.value = field.value.slice(0, -1);
      } else {
        var ch = key.getAttribute("data-char");
        var max = parseInt(field.getAttribute("maxlength") || "0", 10);
        if (!max || field.value.length < max) {
          field.value += capitals ? ch.toUpperCase() : ch;
        }
      }
      field.focus();
    });
  }

  // Face sign-in: a short burst of camera frames sent to the server.
  var faceForm = document.getElementById("face-form");
  if (faceForm) {
    var video = document.getElementById("face-video");
    var status = document.getElementById("face-status");
    var startButton = document.getElementById("face-start");
    var frames = parseInt(faceForm.getAttribute("data-frames") || "8", 10);
    var gap = parseInt(faceForm.getAttribute("data-gap-ms") || "150", 10);
    var say = function (key) {
      status.textContent = status.getAttribute("data-" + key) || key;
      status.classList.toggle("refused", key === "failed" || key === "nocamera");
    };
    var done = function (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      video.srcObject = null;
      video.classList.add("hidden");
      startButton.disabled = false;
    };
    // Each frame sent is a new picture from the camera (never the same one twice, even when a
    // busy machine delays the video), taken at least `gap` ms after the one before, so the
    // burst spans a blink or a turn of the head.
    var capture = function (stream) {
      var width = video.videoWidth || 640;
      var height = video.videoHeight || 480;
      var shots = [];
      var lastFrame = -1;
      var lastAt = 0;
      var giveUpAt = Date.now() + frames * gap + 5000;
      var byCallback = typeof video.requestVideoFrameCallback === "function";
      var ticks = 0;
      say("looking");
      var sent = false;
      var send = function () {
        if (sent) { return; }
        sent = true;
        if (shots.length === 0) { say("nocamera"); done(stream); return; }
        say("checking");
        var blobs = [];
        var left = shots.length;
        shots.forEach(function (shot, index) {
          shot.toBlob(function (blob) {
            blobs[index] = blob;
            left -= 1;
            if (left > 0) { return; }
            var data = new FormData(faceForm);
            blobs.forEach(function (each, n) { data.append("frame", each, "frame" + n + ".jpg"); });
            fetch(faceForm.action, { method: "POST", body: data, credentials: "same-origin",
              headers: JSON_HEADERS })
              .then(function (response) { return response.json(); })
              .then(function (answer) {
                if (answer.redirect) { window.location.assign(answer.redirect); return; }
                status.textContent = answer.message || status.getAttribute("data-failed");
                status.classList.add("refused");
                done(stream);
              })
              .catch(function () { say("failed"); done(stream); });
          }, "image/jpeg", 0.9);
        });
      };
      var consider = function (frameNumber) {
        var now = Date.now();
        if (frameNumber !== lastFrame && now - lastAt >= gap) {
          lastFrame = frameNumber;
          lastAt = now;
          var shot = document.createElement("canvas");
          shot.width = width;
          shot.height = height;
          shot.getContext("2d").drawImage(video, 0, 0, width, height);
          shots.push(shot);
        }
        if (sent) { return; }
        if (shots.length >= frames || (now > giveUpAt && shots.length > 0)) { send(); return; }
        next();
      };
      var next = function () {
        if (byCallback) {
          video.requestVideoFrameCallback(function (_now, frame) { consider(frame.presentedFrames); });
        } else {
          window.setTimeout(function () { ticks += 1; consider(ticks); }, gap);
        }
      };
      // A camera that stops sending pictures must not leave the screen waiting for ever.
      window.setTimeout(send, frames * gap + 6000);
      next();
    };
    startButton.addEventListener("click", function () {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        say("nocamera");
        return;
      }
      startButton.disabled = true;
      say("starting");
      navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false })
        .then(function (stream) {
          video.srcObject = stream;
          video.classList.remove("hidden");
          video.addEventListener("loadeddata", function () {
            video.play();
            capture(stream);
          }, { once: true });
        })
        .catch(function () { say("nocamera"); startButton.disabled = false; });
    });
  }

  // Card sign-in: the kiosk agent tells the server about the card; the page asks for news.
  var cardStatus = document.getElementById("card-status");
  if (cardStatus) {
    var poll = function () {
      fetch(cardStatus.getAttribute("data-url"), { credentials: "same-origin", headers: JSON_HEADERS })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (answer.redirect) { window.location.assign(answer.redirect); return; }
          if (answer.message) { cardStatus.textContent = answer.message; }
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    window.setTimeout(poll, 1000);
  }
}());
