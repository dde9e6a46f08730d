// Inloggen met smartcard (and the smartcard step-up): the card signs the server's challenge through the
// Kaartlezer-app; the PIN is typed in the app's own window. The server decides and names the next page.
import { problem, signInWithCard } from "./cardpage.js";

const form = document.getElementById("smartcard-sign-in");
const status = document.getElementById("card-status");

form.querySelector("button").disabled = false; // the card steps work once this script runs

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  status.textContent = "Bezig… Voer uw pincode in het venster van de Kaartlezer-app in.";
  try {
    const { ok, data } = await signInWithCard(form);
    if (ok) {
      status.textContent = "Gelukt: u bent ingelogd.";
      window.location.assign(data.next);
    } else {
      status.textContent = data.message;
    }
  } catch (error) {
    status.textContent = problem(error);
  }
});
