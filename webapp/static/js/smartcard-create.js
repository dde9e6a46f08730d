// ZORG-ID Smartcard aanmaken: the card steps through the Kaartlezer-app (cardagent.js). The PIN and the PUK
// stay in the app's own window; this page only passes the challenge, the public key and the certificate.
import { CardAgent } from "./cardagent.js";
import { post, problem, signInWithCard, withAgent } from "./cardpage.js";

const POLL_MS = 400;

function say(element, text) {
  element.textContent = text;
}

// Steps 1–2: is the agent there?
async function checkAgent(box) {
  const status = document.getElementById("agent-status");
  box.hidden = false;
  try {
    const info = await withAgent((agent) => agent.connect());
    say(status, "De Kaartlezer-app is gevonden (versie " + info.version + ").");
  } catch (error) {
    say(status, problem(error));
    document.getElementById("agent-help").hidden = false;
  }
}

// Step 3: sign in with the credential card; the server checks it and names the next step.
function credentialSignIn(form) {
  const status = document.getElementById("card-status");
  form.querySelector("button").disabled = false; // the card steps work once this script runs
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    say(status, "Bezig… Voer de pincode van uw UZI-pas in het venster van de Kaartlezer-app in.");
    try {
      const { ok, data } = await signInWithCard(form);
      if (ok) {
        say(status, "Uw UZI-pas is gecontroleerd.");
        window.location.assign(data.next);
      } else {
        say(status, data.message);
      }
    } catch (error) {
      say(status, problem(error));
    }
  });
}

// Steps 5–7: watch the reader until a blank card is in it, then personalise it.
function createCard(form) {
  const readerStatus = document.getElementById("reader-status");
  const status = document.getElementById("card-status");
  const agent = CardAgent.fromPage();
  let blankReader = null;
  let watching = true;
  let sawCredential = false;

  function describe(readers) {
    const withCard = readers.filter((reader) => reader.card_present);
    const blank = withCard.find((reader) => reader.blank);
    if (blank) return { blank: blank.name, text: "Lege smartcard gevonden in " + blank.name + ". Klik op Smartcard aanmaken." };
    if (readers.length === 0) return { text: "Geen kaartlezer gevonden. Sluit de kaartlezer aan." };
    if (withCard.length === 0) {
      return { text: sawCredential ? "Uw UZI-pas is uit de lezer. Stop nu uw lege smartcard in de kaartlezer." : "Stop uw lege smartcard in de kaartlezer." };
    }
    if (withCard.some((reader) => reader.has_certificate)) {
      sawCredential = true;
      return { text: "Er zit nog een pas met een certificaat in de lezer, zoals uw UZI-pas. Haal die eruit." };
    }
    return { text: "De kaart in de lezer is niet leeg. Stop een lege smartcard in de kaartlezer." };
  }

  async function watch() {
    say(readerStatus, "De kaartlezer wordt bekeken…");
    while (watching) {
      try {
        const seen = describe(await agent.listReaders());
        say(readerStatus, seen.text);
        blankReader = seen.blank || null;
        form.hidden = !blankReader;
      } catch (error) {
        say(readerStatus, problem(error));
        form.hidden = true;
        if (error.code === "agent_not_found") {
          watching = false;
          break;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async function fail(error) {
    await post(form.dataset.failed, { code: error.code || "page" });
    say(status, problem(error));
    document.getElementById("card-failed").hidden = false;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!blankReader) return;
    watching = false;
    form.hidden = true;
    const reader = blankReader;
    await watcher; // the agent does one operation at a time: let the last look at the reader finish
    const started = await post(form.dataset.start);
    if (!started.ok) {
      say(status, started.data.message);
      return;
    }
    try {
      say(status, "Kies in het venster van de Kaartlezer-app twee keer uw nieuwe pincode. Daarna toont de app eenmalig uw pukcode: bewaar deze goed! Haal de smartcard er niet uit!");
      const made = await agent.personalise({ algorithm: "EC-P256", reader });
      say(status, "Uw smartcard is klaargemaakt en de Kaartlezer-app heeft uw pukcode getoond. Bewaar deze goed! Het certificaat wordt aangemaakt…");
      const issued = await post(form.dataset.certificate, { public_key: made.public_key });
      if (!issued.ok) throw new Error(issued.data.message);
      say(status, "Voer uw nieuwe pincode in het venster van de Kaartlezer-app in om het certificaat op de smartcard te zetten.");
      const stored = await agent.storeCertificate(issued.data.certificate, reader);
      const done = await post(form.dataset.stored, { result: stored });
      if (!done.ok) throw new Error(done.data.message);
      say(status, "Gelukt!");
      window.location.assign(done.data.next);
    } catch (error) {
      await fail(error);
    } finally {
      agent.close();
    }
  });

  const watcher = watch();
}

const agentCheck = document.querySelector("[data-agent-check]");
if (agentCheck) checkAgent(agentCheck);
const credentialForm = document.getElementById("credential-sign-in");
if (credentialForm) credentialSignIn(credentialForm);
const createForm = document.getElementById("create-card");
if (createForm) createCard(createForm);
