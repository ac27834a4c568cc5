//! Demo data for `FreshdeskSim::seeded_demo`: four contacts, four groups, two
//! human agents, four tickets that exercise each bridge event (a refund email,
//! a ticket whose text contains a script tag, an angry email thread with a
//! quoted earlier reply, a resolved ticket with a long thread) and a small
//! knowledge base with nested folders and one draft article.

use serde_json::json;

use super::FreshdeskSim;

pub(super) fn demo(sim: &FreshdeskSim) {
    for (id, name) in [
        (42, "Billing"),
        (43, "Technical Support"),
        (44, "Accounts"),
        (45, "General"),
    ] {
        sim.add_group(id, name);
    }
    sim.add_agent(9101, "Alex Rivera", "alex@acme-support.example");
    sim.add_agent(9102, "Sam Patel", "sam@acme-support.example");
    contacts(sim);
    tickets(sim);
    angry_thread(sim);
    resolved_thread(sim);
    knowledge_base(sim);
}

fn contacts(sim: &FreshdeskSim) {
    let people = [
        (5001, "Dana Kim", "dana@example.com", "+1 415 555 0101"),
        (5002, "Luis Ortega", "luis.ortega@example.org", "+34 91 555 0102"),
        (5003, "Priya Natarajan", "priya.n@example.net", "+44 20 5550 0103"),
        (5004, "Tom Becker", "tom.becker@example.com", "+49 30 5550 0104"),
    ];
    for (id, name, email, phone) in people {
        sim.add_contact(json!({
            "id": id, "name": name, "email": email, "phone": phone,
            "created_at": "2023-09-14T10:00:00Z", "updated_at": "2024-04-01T12:00:00Z",
        }));
    }
}

fn tickets(sim: &FreshdeskSim) {
    sim.add_ticket(json!({
        "id": 101, "subject": "Refund not received", "status": 2, "priority": 1, "source": 1,
        "requester_id": 5001, "tags": ["returns"], "to_emails": ["support@acme.example"],
        "description": "<div>Hi,</div><div>I returned order #5512 two weeks ago and the courier \
            confirmed delivery on May 2nd. I still have not received my refund of $84.90.</div>\
            <div><br></div><div>Could you check what is going on and when the money will be back \
            on my card?</div><div><br></div><div>Thanks,<br>Dana</div>",
        "created_at": "2024-05-02T09:14:07Z", "updated_at": "2024-05-02T09:14:07Z",
    }));
    sim.add_ticket(json!({
        "id": 102, "subject": "App crashes on login", "status": 2, "priority": 2, "source": 2,
        "requester_id": 5002, "tags": [],
        "description": "<div>Every time I try to log in on the Android app (v4.2.1) it crashes \
            right after I tap \"Sign in\".</div><div>The error box briefly shows \
            &lt;script&gt;alert(1)&lt;/script&gt; before the app closes. I already reinstalled \
            it twice.</div>",
        "description_text": "Every time I try to log in on the Android app (v4.2.1) it crashes \
            right after I tap \"Sign in\".\nThe error box briefly shows <script>alert(1)</script> \
            before the app closes. I already reinstalled it twice.",
        "created_at": "2024-05-03T14:02:51Z", "updated_at": "2024-05-03T14:02:51Z",
    }));
}

fn angry_thread(sim: &FreshdeskSim) {
    sim.add_ticket(json!({
        "id": 103, "subject": "Where is my order?!", "status": 2, "priority": 2, "source": 1,
        "type": "Incident", "requester_id": 5003, "group_id": 45, "tags": ["shipping"],
        "description": "<div>My order #7731 was supposed to arrive last Monday. Tracking has \
            not moved for 6 days. Worst delivery experience ever, I am furious.</div>",
        "created_at": "2024-05-10T08:30:00Z", "updated_at": "2024-05-14T16:45:00Z",
    }));
    sim.add_conversation(
        103,
        json!({
            "body": "<div>Hi Priya,<br>Sorry for the delay! I have asked the carrier to trace \
                parcel #7731 and will update you within 48 hours.<br>Best,<br>Alex</div>",
            "incoming": false, "private": false, "source": 0, "user_id": 9101,
            "from_email": "support@acme.example", "to_emails": ["priya.n@example.net"],
            "created_at": "2024-05-10T10:02:00Z",
        }),
    );
    sim.add_conversation(
        103,
        json!({
            "body": "<div>This is the third time I am writing and still nothing. This is \
                unacceptable. If the parcel is not here by Friday I will cancel and ask for a \
                refund.</div><div class=\"freshdesk_quote\"><blockquote class=\"freshdesk_quote\">\
                On Fri, 10 May 2024 at 10:02, Acme Support &lt;support@acme.example&gt; wrote:<br>\
                Hi Priya,<br>Sorry for the delay! I have asked the carrier to trace parcel #7731 and \
                will update you within 48 hours.<br>Best,<br>Alex<blockquote>On Fri, 10 May 2024 at \
                08:30, Priya Natarajan &lt;priya.n@example.net&gt; wrote:<br>My order #7731 was \
                supposed to arrive last Monday. Tracking has not moved for 6 days. Worst delivery \
                experience ever, I am furious.</blockquote></blockquote></div>",
            "body_text": "This is the third time I am writing and still nothing. This is \
                unacceptable. If the parcel is not here by Friday I will cancel and ask for a \
                refund.\n\nOn Fri, 10 May 2024 at 10:02, Acme Support <support@acme.example> wrote:\n\
                > Hi Priya,\n> Sorry for the delay! I have asked the carrier to trace parcel #7731 and \
                will update you within 48 hours.\n> Best,\n> Alex\n> On Fri, 10 May 2024 at 08:30, \
                Priya Natarajan <priya.n@example.net> wrote:\n> > My order #7731 was supposed to \
                arrive last Monday. Tracking has not moved for 6 days. Worst delivery experience \
                ever, I am furious.",
            "incoming": true, "private": false, "source": 0, "user_id": 5003,
            "from_email": "priya.n@example.net", "to_emails": ["support@acme.example"],
            "created_at": "2024-05-14T16:45:00Z",
        }),
    );
}

fn resolved_thread(sim: &FreshdeskSim) {
    sim.add_ticket(json!({
        "id": 104, "subject": "Cannot download my invoice", "status": 4, "priority": 2,
        "source": 7, "type": "Question", "requester_id": 5004, "responder_id": 9102,
        "group_id": 42, "tags": ["invoice"],
        "description": "<div>Hello, the invoice download button in my account does nothing. \
            I need the April invoice for my accountant.</div>",
        "created_at": "2024-05-06T11:00:00Z", "updated_at": "2024-05-07T09:30:00Z",
        "stats": {"first_responded_at": "2024-05-06T11:20:00Z",
                  "agent_responded_at": "2024-05-07T09:15:00Z",
                  "requester_responded_at": "2024-05-06T12:05:00Z",
                  "status_updated_at": "2024-05-07T09:30:00Z",
                  "resolved_at": "2024-05-07T09:30:00Z"},
    }));
    let thread = [
        (
            false,
            9102,
            "2024-05-06T11:20:00Z",
            "<div>Hi Tom, thanks for reaching out. Which browser are you using? Ad blockers \
          sometimes block the download.</div>",
        ),
        (
            true,
            5004,
            "2024-05-06T12:05:00Z",
            "<div>Chrome, and I do have an ad blocker. Disabling it did not help though.</div>",
        ),
        (
            false,
            9102,
            "2024-05-06T15:40:00Z",
            "<div>Thanks! I have emailed the April invoice to you directly and reported the bug \
          to our web team.</div>",
        ),
        (
            true,
            5004,
            "2024-05-07T08:50:00Z",
            "<div>Got it, thank you for the quick help!</div>",
        ),
    ];
    for (incoming, user, at, body) in thread {
        sim.add_conversation(
            104,
            json!({
                "body": body, "incoming": incoming, "private": false, "source": 0,
                "user_id": user, "created_at": at,
            }),
        );
    }
    sim.add_conversation(
        104,
        json!({
            "body": "<div>Web team ticket WEB-2291 opened for the invoice button.</div>",
            "incoming": false, "private": true, "source": 2, "user_id": 9102,
            "created_at": "2024-05-07T09:15:00Z",
        }),
    );
}

fn knowledge_base(sim: &FreshdeskSim) {
    let billing = sim.add_category("Billing & Payments");
    let tech = sim.add_category("Technical Help");
    let folders = [
        sim.add_folder(billing, None, "Refunds"),
        sim.add_folder(billing, None, "Invoices"),
        sim.add_folder(tech, None, "Login & Access"),
    ];
    let [Some(refunds), Some(invoices), Some(login)] = folders else {
        return;
    };
    let Some(mobile) = sim.add_folder(tech, Some(login), "Mobile App") else {
        return;
    };
    let articles = [
        (
            refunds,
            2,
            "How refunds work",
            "<p>Refunds are issued within <b>5 business days</b> \
          after we receive your return.</p>",
            json!(["refund", "billing"]),
        ),
        (
            refunds,
            2,
            "Refund timelines by payment method",
            "<p>Cards: 3–5 days. PayPal: \
          1–2 days. Bank transfer: up to 10 days.</p>",
            json!(["refund"]),
        ),
        (
            invoices,
            2,
            "Downloading invoices",
            "<p>Go to <em>Account › Billing</em> and click \
          <b>Download</b> next to the invoice.</p>",
            json!(["invoice", "billing"]),
        ),
        (
            login,
            2,
            "Resetting your password",
            "<p>Use <b>Forgot password</b> on the sign-in \
          page; the link is valid for 1 hour.</p>",
            json!(["login", "password"]),
        ),
        (
            mobile,
            2,
            "App crashes on login",
            "<p>Update to the latest version, then clear the \
          app cache. Still crashing? Send us the app version.</p>",
            json!(["login", "crash", "android"]),
        ),
        (
            login,
            1,
            "Single sign-on (draft)",
            "<p>SSO with Google Workspace is coming soon.</p>",
            json!(["sso"]),
        ),
    ];
    for (folder, status, title, description, tags) in articles {
        sim.add_article(
            folder,
            json!({
                "title": title, "description": description, "status": status, "tags": tags,
                "created_at": "2024-02-01T09:00:00Z", "updated_at": "2024-03-01T08:30:00Z",
            }),
        );
    }
}
