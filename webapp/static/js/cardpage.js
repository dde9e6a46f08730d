// What every card page shares (Kaartlezer testen, Inloggen met smartcard, Organisatie valideren, Smartcard
// aanmaken): posting to the portal with the CSRF token, the agent opened for one piece of work and closed
// after it, and the sign-in: get a one-time challenge, let the card sign it in the Kaartlezer-app (the PIN
// is typed there, never in the page), post the answer. The server decides; the page shows what it says.
import { CardAgent, CardAgentError } from "./cardagent.js";

// POST JSON to the portal. `ok` is false when the response is an error or says {"ok": false}.
export async function post(url, body) {
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
    body: JSON.stringify(body || {}),
    credentials: "same-origin",
  });
  let data = {};
  try {
    data = await response.json();
  } catch (error) {
    data = { message: "De server gaf een onverwacht antwoord. Probeer het opnieuw." };
  }
  return { ok: response.ok && data.ok !== false, data };
}

// What to tell the user about a failure: the agent's own Dutch message, or what went wrong otherwise.
export function problem(error) {
  return error instanceof CardAgentError ? error.userMessage : "Er ging iets mis: " + error.message;
}

// Run work(agent) with the page's card agent, and close the connection afterwards whatever happens.
export async function withAgent(work) {
  const agent = CardAgent.fromPage();
  try {
    return await work(agent);
  } finally {
    agent.close();
  }
}

// Sign in with the card in the reader: the form's data-challenge gives the challenge, data-check takes the
// card's answer. Returns the check's { ok, data }; throws (a CardAgentError or an Error) when it gets no answer.
export async function signInWithCard(form) {
  return withAgent(async (agent) => {
    await agent.connect();
    await agent.findCard();
    const issued = await post(form.dataset.challenge);
    if (!issued.ok) throw new Error(issued.data.message || "geen uitdaging ontvangen");
    const nonce = issued.data.nonce;
    const result = await agent.signIn(nonce);
    return post(form.dataset.check, { nonce, result });
  });
}
