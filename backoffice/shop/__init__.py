"""The prison shop: catalogue, protocol checks, orders, packing and delivery."""
