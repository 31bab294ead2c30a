"""The built-in Help, in plain words: one entry per page, (title, text).

The texts live here, apart from the window, marked with N_() and translated where they are shown
(help.py), after the language was chosen; each is one string a translator sees in full. The text is
a small subset of HTML: <p>, <b>, <ul>/<li>, <h3>.
Addresses of providers are only their well-known account pages; steps stay general because the
providers move their menus now and then.
"""

from __future__ import annotations

from deskmail.core.i18n import N_

GETTING_STARTED = (
    N_("Getting started"),
    N_(
        """
<p>Deskmail needs only your e-mail address and your password. Choose <b>File › Add Account…</b>,
type them, and Deskmail finds your provider's servers by itself, checks that they work, and keeps your
password in your computer's safe password store (the keyring), never in a file.</p>
<h3>The window</h3>
<ul>
<li><b>Folders</b> on the left: Inbox, Sent, Drafts, Trash and your own folders.</li>
<li><b>Messages</b> in the middle. Bold ones are unread. Press <b>Enter</b> or double-click to open
one in its own window.</li>
<li><b>The message</b> you chose, on the right or below.</li>
</ul>
<h3>Everyday things</h3>
<ul>
<li><b>Write</b> starts a new message; <b>Reply</b>, <b>Reply All</b> and <b>Forward</b> answer the
one you are reading.</li>
<li><b>Archive</b> puts a message away without deleting it; <b>Delete</b> moves it to the Trash.</li>
<li>Drag messages onto a folder to move them there. Hold <b>Ctrl</b> (Option on a Mac) while you drop
to copy them instead.</li>
<li><b>File › Print…</b> prints the message you are reading; <b>File › Save as PDF…</b> keeps it as
a PDF file.</li>
<li><b>Edit › Settings…</b> changes your name, signature, password and how often mail is checked.</li>
<li><b>Help › Keyboard Shortcuts</b> lists the keys that work in the window.</li>
</ul>
<p>Pictures from the internet in a message are hidden until you choose to show them, because senders
can use them to see when and where you read their mail.</p>
""",
    ),
)

SECURITY_WORDS = (
    N_("What the security words mean"),
    N_(
        """
<h3>Encryption</h3>
<p>Your mail and your password travel over the internet scrambled, so that nobody in between (on a café
Wi-Fi, for example) can read them. Deskmail always uses encryption when your provider offers it, and
asks you first before it would ever send a password without it.</p>
<h3>SSL/TLS and STARTTLS</h3>
<p>These are two ways of switching the encryption on. With <b>SSL/TLS</b> the connection is
encrypted from its very first moment. With <b>STARTTLS</b> it starts plain and is encrypted right
after the first greeting, before anything private is sent. Both are safe; the port number (for
example 993 or 143 for receiving, 465 or 587 for sending) only says which way the server uses. If a
server offers STARTTLS and then does not switch it on, Deskmail stops rather than go on unprotected.</p>
<h3>Certificate</h3>
<p>A certificate is the server's proof of identity, like a passport signed by an authority your
computer trusts. Deskmail checks it every time. If it does not match, someone may be pretending to be
your provider, or the server is set up wrongly: Deskmail then refuses to connect and says so. Only if
you know the server (for example your own) can you choose to trust its own certificate; Deskmail then
remembers exactly that certificate and warns you if it ever changes.</p>
<h3>App password</h3>
<p>Some providers do not let mail programs use your normal password, especially when you sign in with
a second step such as a code on your phone. Instead you create an <b>app password</b> on the
provider's website: a long password just for Deskmail. You type it into Deskmail once, in place of
your normal password. You can withdraw it on the provider's website at any time without changing your
normal password.</p>
<h3>Keyring</h3>
<p>The keyring is your computer's own safe for passwords (on Windows the Credential Manager, on a Mac
the Keychain). Deskmail keeps your password there and nowhere else.</p>
""",
    ),
)

APP_PASSWORDS = (
    N_("How to get an app password"),
    N_(
        """
<p>You need an app password only if your provider asks for one (Deskmail tells you when the normal
password is refused). The steps are nearly the same everywhere: sign in on the provider's website,
turn on two-step sign-in if it is not on yet, create an app password, and type it into Deskmail where
it asks for your password. Menus change from time to time; if a step looks different, look for the
words <i>security</i> and <i>app password</i>.</p>
<h3>Gmail (Google)</h3>
<ul>
<li>Open your Google Account at <b>myaccount.google.com</b> and choose <b>Security</b>.</li>
<li>Turn on <b>2-Step Verification</b> if it is off.</li>
<li>Search for <b>App passwords</b> in your Google Account, give it a name such as "Deskmail" and
create it.</li>
<li>Google shows a 16-letter password once. Type it into Deskmail (the spaces do not matter).</li>
</ul>
<p>If Deskmail offers <b>Sign in with Google</b>, you can use that instead and need no app
password.</p>
<h3>Yahoo Mail</h3>
<ul>
<li>Sign in at <b>login.yahoo.com</b> and open <b>Account Info</b>, then <b>Account security</b>.</li>
<li>Choose <b>Generate app password</b> (or <b>Manage app passwords</b>), name it "Deskmail" and
create it.</li>
<li>Type the password Yahoo shows into Deskmail.</li>
</ul>
<h3>iCloud Mail (Apple)</h3>
<ul>
<li>Sign in at <b>account.apple.com</b> with your Apple Account. Two-factor authentication must be
on (it is on for most accounts).</li>
<li>Under <b>Sign-In and Security</b>, choose <b>App-Specific Passwords</b> and create one named
"Deskmail".</li>
<li>Type it into Deskmail. Your address is your @icloud.com (or @me.com) address.</li>
</ul>
<h3>Outlook.com, Hotmail and Microsoft 365</h3>
<ul>
<li>If Deskmail offers <b>Sign in with Microsoft</b>, use that: it needs no app password.</li>
<li>Otherwise sign in at <b>account.microsoft.com</b>, open <b>Security</b>, then the advanced
security options, turn on two-step verification and choose <b>Create a new app password</b>.</li>
<li>For a work or school account, your organisation decides; ask the person who looks after your
computers.</li>
</ul>
""",
    ),
)

OFFLINE = (
    N_("Working offline and the Outbox"),
    N_(
        """
<p>Deskmail keeps a copy of your mail on this computer, so you can read, search, sort and delete even
without an internet connection. What you change while offline is remembered and done on the server
as soon as the connection is back, in the order you did it.</p>
<h3>The Outbox</h3>
<p>A message you send goes into the <b>Outbox</b> first, safely on your disk, before anything is sent.
When there is no connection it simply waits there and leaves by itself when the connection is back;
you can close Deskmail or turn off the computer meanwhile without losing it. The Outbox appears in the
folder list only while something is waiting.</p>
<p>If the mail server refuses a message (for example because an address is wrong), it stays in the
Outbox marked as <b>not sent</b>. Click the Outbox to open it, correct it and send it again.</p>
<p>A bar at the top of the window tells you when Deskmail cannot reach the internet or your mail
server. You do not need to change any settings for that: it tries again by itself, and
<b>Try again</b> tries at once.</p>
""",
    ),
)

UNDO = (
    N_("Undo"),
    N_(
        """
<p>Most things you do to your mail can be taken back. After you delete, archive, move, flag or mark a
message, a small notice at the bottom of the window says what happened and offers <b>Undo</b>. The
notice fades after a few seconds, but <b>Edit › Undo</b> (or <b>Ctrl+Z</b>) still works, for your last
50 actions. <b>Edit › Redo</b> (<b>Ctrl+Shift+Z</b>) does it again.</p>
<p>Undo also puts things right on the server, even if the change has already reached it, and works
while you are offline.</p>
<h3>Undo Send</h3>
<p>A message you send waits a few seconds before it leaves ("Sending… Undo"). Click <b>Undo</b> in
that time and nothing is sent: the message opens again, exactly as you wrote it. You choose how long
it waits in <b>Edit › Settings…</b> (0 to 30 seconds; with 0, messages leave at once and cannot be taken back).</p>
<h3>What cannot be undone</h3>
<p>Deleting a message that is already in the Trash, and emptying the Trash, delete it for good.
Deskmail always asks first.</p>
""",
    ),
)

PAGES: list[tuple[str, str]] = [GETTING_STARTED, SECURITY_WORDS, APP_PASSWORDS, OFFLINE, UNDO]
