#!/bin/sh
# Cellgate wing kiosk: start Chromium full-screen on the kiosk page, locked down.
#
#   launch-kiosk.sh                 open the kiosk (the device cookie is already set)
#   launch-kiosk.sh --provision     bind this browser to its registered kiosk first: reads the
#                                   device key from $CELLGATE_KIOSK_KEY_FILE (root-only file)
#
# Settings (environment, e.g. from the systemd unit):
#   CELLGATE_KIOSK_URL       the kiosk server, e.g. https://cellgate.prison.example
#   CELLGATE_KIOSK_PROFILE   Chromium profile folder that keeps the device cookie
#   CELLGATE_KIOSK_KEY_FILE  the device key shown when the kiosk was registered
#   CHROMIUM                 the browser (default /usr/bin/chromium)
set -eu

URL="${CELLGATE_KIOSK_URL:-http://127.0.0.1:8001}"
PROFILE="${CELLGATE_KIOSK_PROFILE:-/var/lib/cellgate-kiosk/chromium}"
KEY_FILE="${CELLGATE_KIOSK_KEY_FILE:-/etc/cellgate/kiosk.key}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

START="$URL/"
if [ "${1:-}" = "--provision" ]; then
    if [ ! -r "$KEY_FILE" ]; then
        echo "launch-kiosk: cannot read the device key in $KEY_FILE" >&2
        exit 2
    fi
    # The key goes in the URL fragment: the page posts it once, and no server log sees it.
    START="$URL/device#$(tr -d ' \n' < "$KEY_FILE")"
fi

mkdir -p "$PROFILE"

# Why each flag:
#  --kiosk, --start-fullscreen      full screen, no address bar, tabs or window controls
#  --noerrdialogs, --disable-infobars, --no-first-run, --disable-session-crashed-bubble
#                                   no dialogs a passer-by could use to leave the page
#  --incognito is NOT used: the profile keeps the device cookie (and nothing personal: every
#                                   personal page is Cache-Control: no-store)
#  --disable-features=Translate,...  no translate bar, no password bubble, no side panels
#  --disable-pinch, --overscroll-history-navigation=0
#                                   no zooming and no swipe back into a previous page
#  --disable-print-preview, --disable-dev-tools, --disable-extensions, --disable-plugins,
#  --disable-file-system, --disable-sync, --disable-background-networking,
#  --disable-component-update, --disable-default-apps
#                                   no tools, nothing installed, nothing phoning home
#  --use-fake-ui-for-media-stream   the camera is allowed without a prompt (for face sign-in);
#                                   the page's Permissions-Policy allows only the camera
#  --check-for-update-interval      never offer an update to the inmate
#  --host-rules                     only the kiosk server resolves: every other name fails
HOST="$(printf '%s' "$URL" | sed -E 's#^[a-z]+://([^/:]+).*#\1#')"

exec "$CHROMIUM" \
    --user-data-dir="$PROFILE" \
    --kiosk --start-fullscreen \
    --noerrdialogs --disable-infobars --no-first-run --disable-session-crashed-bubble \
    --disable-features=Translate,TranslateUI,PasswordManagerOnboarding,SidePanel,MediaRouter,DownloadBubble \
    --disable-pinch --overscroll-history-navigation=0 \
    --disable-print-preview --disable-dev-tools --disable-extensions --disable-plugins \
    --disable-file-system --disable-sync --disable-background-networking \
    --disable-component-update --disable-default-apps \
    --password-store=basic --autoplay-policy=no-user-gesture-required \
    --use-fake-ui-for-media-stream \
    --check-for-update-interval=31536000 \
    --host-rules="MAP * ~NOTFOUND, EXCLUDE $HOST" \
    "$START"
