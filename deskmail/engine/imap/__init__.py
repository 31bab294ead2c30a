"""IMAP for the mail engine: one typed session facade, folder sync into the store, push, actions.

Threads: imapclient is not thread-safe, so every connection belongs to one thread. Per account the
app runs ONE worker (command connection + the store writer) and one watcher per pushed folder
(its own connection, only posts "folder changed").

    connector = account_connector(account, password, settings)   # connector.py, via engine.connect
    session = open_session(connector, cancel)                      # account.py: logged in (QRESYNC on first need)
    report = sync_account(session, store, folders=None, cancel=cancel, progress=print)
    #   replays pending actions first, LISTs, then each folder (inbox first); SyncReport.to_json()
    #   keep_inbox=True (the window's long-lived session): the Inbox stays selected and the next
    #   sync polls it there (NOOP, UID FETCH CHANGEDSINCE) instead of asking its STATUS

    push = PushSync(connector, store, folders=("INBOX",), on_report=...).start()   # push.py
    push.request("Archive")            # sync a folder now; push.stop() on shutdown
    push.watch_open_folder("Archive")  # IDLE on the opened folder too (None: stop)
    push.submit(lambda store: Actions(store).mark_read(folder, uids))   # runs on the writer thread

    actions = Actions(store)                  # actions.py, worker thread: local first, queued
    actions.mark_read(folder, uids) / mark_flagged / move(folder, uids, dest) / archive / delete
    rolled_back = replay(session, store)      # sync_account does this; refused -> undone + message

    body = ensure_body(session, store, message_id, cancel)  # bodies.py: BODY.PEEK, big ones to a file
    fetch_to_file(session, uid, path, cancel)               # raw message of the selected folder -> file
    looked, filled = preview_batch(session, store, folder, cancel=cancel)  # previews.py: one batch of the
    #   preview pass (BODYSTRUCTURE, then BODY.PEEK[part]<0.n>) for the 1,000 newest; fill_previews() loops
    FolderActions(store).create(name) / rename(folder, name) / delete(folder)  # folderops.py: local first,
    #   queued in pending_ops with the message actions and sent by the same replay (works offline)

Modules: wire (response reader: FETCH over ranges, fast parsing), session (commands), headers
(header sync items -> MessageHeaders), folders (special use), sync (per-folder paths), account,
push, actions, bodies, folderops, connector, bodystructure (which part to preview), previews.
"""
