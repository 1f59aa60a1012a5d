"""Hardware adapters: camera, face matching, smartcard reader, the kiosk agent. Each sits behind
a small interface with a fake beside it. Imports nothing of Cellgate's own."""
