"""Channels: how one rendered message leaves the building.

Every channel renders a delivery (campaign + contact + approved asset) into bytes, and sends
those bytes. The executor only knows `protocol`; `registry.build` picks the module per channel
name. A channel is `idempotent` when sending the same delivery twice is harmless (a file written
under the delivery's name, an HTTP request carrying its idempotency key): after a crash the
executor re-sends those instead of asking a person.
"""
