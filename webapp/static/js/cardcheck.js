// Kaartlezer testen: sign in with the card through the local agent; the server checks it.
import { problem, signInWithCard } from "./cardpage.js";

const form = document.getElementById("card-sign-in");
const status = document.getElementById("card-status");

function show(result) {
  document.getElementById("card-name").textContent = result.common_name;
  document.getElementById("card-subject").textContent = result.subject;
  document.getElementById("card-issuer").textContent = result.issuer;
  document.getElementById("card-result").hidden = false;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  document.getElementById("card-result").hidden = true;
  status.textContent = "Bezig… Voer uw pincode in het venster van de Kaartlezer-app in.";
  try {
    const { ok, data } = await signInWithCard(form);
    status.textContent = ok ? "Gelukt: de kaart is gecontroleerd." : data.message;
    if (ok) show(data);
  } catch (error) {
    status.textContent = problem(error);
  }
});
