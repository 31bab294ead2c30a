"""Sending mail: the outbox (durable, in the store), SMTP submission, filing in Sent, and drafts.

    sender = service.sender_for(account, password, settings, store)   # or AccountRuntime.send()
    item = sender.queue(outgoing)       # committed to the outbox before any network step
    result = sender.send(item.id)       # SendResult: .error (SendError, plain words) -> it waits
    sender.send_pending()               # after a restart / back online (AccountRuntime.sync does it)
    outbox_items(reader)                # the Outbox folder, from the UI's read-only connection

States (outbox.OutboxState): queued -> sending -> unsure -> sent -> (row removed once filed in
Sent). `unsure` is written once the final "." is out: if its reply is lost, Sent is searched for
the Message-ID, and when it is not there the item waits for the person (`send(id, resend=True)`)
instead of going out twice. In `sent` only the Sent copy is added (unless Sent has it, or the
server files sent mail itself, like Gmail).
Drafts (drafts.DraftManager): saved locally at once, then APPENDed to Drafts with the previous
server copy deleted by UID; the Message-ID stays the same from first draft to the sent message.
"""
