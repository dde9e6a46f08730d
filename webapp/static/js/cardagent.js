// Talks to the Kaartlezer-app (the Loket card agent) on this computer, over a WebSocket on
// 127.0.0.1. The PIN is never typed in the page: the app asks for it in its own window.
// Protocol: cardagent/README.md (version 1). No dependencies, no inline script, no eval.
//
//   import { CardAgent } from "/static/js/cardagent.js";
//   const agent = CardAgent.fromPage();            // <meta name="cardagent-port" content="24727">
//   try { const result = await agent.signIn(nonce); ... }
//   catch (error) { show(error.userMessage); }     // e.g. "Geen kaart in de lezer."

export const PROTOCOL_VERSION = 1;
export const DEFAULT_PORT = 24727;

const MESSAGES = {
  agent_not_found:
    "Kaartlezer-app niet gevonden. Start de Kaartlezer-app op deze computer en probeer het opnieuw.",
  agent_incompatible: "De Kaartlezer-app is te oud of te nieuw voor deze pagina. Installeer de laatste versie.",
  timeout: "De Kaartlezer-app reageert niet. Probeer het opnieuw.",
  connection_lost: "De verbinding met de Kaartlezer-app is verbroken.",
  no_reader: "Geen kaartlezer gevonden. Sluit de kaartlezer aan.",
  no_card: "Geen kaart in de lezer.",
  card_removed: "De kaart is uit de lezer gehaald. Plaats de kaart en probeer het opnieuw.",
  card_busy: "Een ander programma gebruikt de kaart. Probeer het zo opnieuw.",
  card_changed: "Er zit nu een andere kaart in de lezer. Probeer het opnieuw.",
  not_piv: "Deze kaart wordt niet ondersteund.",
  no_certificate: "Er staat nog geen certificaat op deze kaart.",
  not_blank: "Deze kaart is niet leeg; hij is al in gebruik.",
  pin_wrong: "Onjuiste pincode.",
  pin_blocked: "Uw pincode is geblokkeerd. Deblokkeer de pincode met uw pukcode.",
  pin_rejected: "De nieuwe pincode is niet geaccepteerd: gebruik 6 tot 8 cijfers, geen reeks als 123456 of 000000, en typ twee keer dezelfde.",
  puk_wrong: "Onjuiste pukcode.",
  puk_blocked: "Uw pukcode is geblokkeerd. Deze kaart kan niet meer worden gedeblokkeerd.",
  cancelled: "Geannuleerd in de Kaartlezer-app.",
  certificate_mismatch: "Dit certificaat hoort niet bij de sleutel op deze kaart.",
  management_key_unknown: "Deze kaart is niet met de Kaartlezer-app klaargemaakt.",
  rate_limited: "Te veel pogingen achter elkaar. Wacht even en probeer het opnieuw.",
  busy: "De Kaartlezer-app is nog bezig met een andere handeling.",
  pcsc_unavailable: "De kaartlezerdienst van deze computer draait niet.",
};

export function userMessage(code, details = {}) {
  let message = MESSAGES[code] || "Er ging iets mis met de kaart (" + code + ").";
  if (code === "pin_wrong" || code === "puk_wrong") {
    if (typeof details.tries_left === "number") {
      message += details.tries_left === 1 ? " U heeft nog 1 poging." : " U heeft nog " + details.tries_left + " pogingen.";
    }
  }
  return message;
}

export class CardAgentError extends Error {
  constructor(code, message, details = {}) {
    super(message || code);
    this.name = "CardAgentError";
    this.code = code;
    this.details = details;
    this.userMessage = userMessage(code, details);
  }
}

export class CardAgent {
  constructor({ ports = [DEFAULT_PORT], host = "127.0.0.1", connectTimeout = 3000, timeout = 300000 } = {}) {
    this.ports = Array.isArray(ports) ? ports : [ports];
    this.host = host;
    this.connectTimeout = connectTimeout;
    this.timeout = timeout;
    this.socket = null;
    this.info = null;
    this.nextId = 1;
    this.pending = new Map();
  }

  // Ports from <meta name="cardagent-port" content="24727 24728">, else the default.
  static fromPage(doc = document, options = {}) {
    const meta = doc.querySelector('meta[name="cardagent-port"]');
    const ports = meta ? meta.content.split(/[\s,]+/).filter(Boolean).map(Number) : [DEFAULT_PORT];
    return new CardAgent({ ...options, ports });
  }

  async connect() {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) return this.info;
    for (const port of this.ports) {
      try {
        this.socket = await this._open(port);
      } catch (error) {
        continue;
      }
      this.info = await this.call("hello");
      if (this.info.protocol !== PROTOCOL_VERSION) {
        this.close();
        throw new CardAgentError("agent_incompatible");
      }
      return this.info;
    }
    throw new CardAgentError("agent_not_found");
  }

  _open(port) {
    return new Promise((resolve, reject) => {
      let socket;
      try {
        socket = new WebSocket("ws://" + this.host + ":" + port + "/");
      } catch (error) {
        reject(error);
        return;
      }
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error("timeout"));
      }, this.connectTimeout);
      socket.addEventListener("open", () => {
        clearTimeout(timer);
        socket.addEventListener("message", (event) => this._receive(event));
        socket.addEventListener("close", () => this._lost(socket));
        resolve(socket);
      });
      // A refused handshake (agent absent, or this site not allowed) looks the same here.
      socket.addEventListener("error", () => {
        clearTimeout(timer);
        reject(new Error("unreachable"));
      });
    });
  }

  _receive(event) {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    clearTimeout(waiting.timer);
    if (message.ok) {
      waiting.resolve(message.result);
    } else {
      const { code, message: text, ...details } = message.error || {};
      waiting.reject(new CardAgentError(code || "internal", text, details));
    }
  }

  _lost(socket) {
    if (socket !== this.socket) return;
    this.socket = null;
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(new CardAgentError("connection_lost"));
    }
    this.pending.clear();
  }

  async call(op, params = {}) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) await this.connect();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CardAgentError("timeout"));
      }, this.timeout);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.send(JSON.stringify({ v: PROTOCOL_VERSION, id, op, params }));
    });
  }

  close() {
    if (this.socket) this.socket.close();
    this.socket = null;
  }

  // -- the operations -----------------------------------------------------------------------

  listReaders() {
    return this.call("list_readers").then((result) => result.readers);
  }

  // The first reader with a card, or a CardAgentError no_reader / no_card.
  async findCard() {
    const readers = await this.listReaders();
    if (readers.length === 0) throw new CardAgentError("no_reader");
    const reader = readers.find((candidate) => candidate.card_present);
    if (!reader) throw new CardAgentError("no_card");
    return reader;
  }

  readCertificate(reader) {
    return this.call("read_certificate", withReader({}, reader));
  }

  // nonce: the server's one-time challenge. Resolves to {origin, algorithm, signature,
  // certificate, ...}: post it to the server, which checks it with cardagent.verify.
  signIn(nonce, reader) {
    return this.call("sign_in", withReader({ nonce }, reader));
  }

  // Resolves to {slot, algorithm, public_key}; the user chose the PIN and saw the PUK in the app.
  personalise({ algorithm = "EC-P256", reader } = {}) {
    return this.call("personalise", withReader({ algorithm }, reader));
  }

  storeCertificate(certificate, reader) {
    return this.call("store_certificate", withReader({ certificate }, reader));
  }

  changePin(reader) {
    return this.call("change_pin", withReader({}, reader));
  }

  unblockPin(reader) {
    return this.call("unblock_pin", withReader({}, reader));
  }
}

function withReader(params, reader) {
  if (reader) params.reader = reader;
  return params;
}
