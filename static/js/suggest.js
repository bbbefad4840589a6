// Placing a suggestion: a pin on the map (tap, then drag) or a place from the list, and a
// look at similar suggestions nearby before sending. Works without this script too: the list
// path needs no JavaScript.
(function () {
  "use strict";
  var form = document.querySelector("form.suggestion-form");
  var frame = document.querySelector("[data-pin-target]");
  if (!form) { return; }
  var lon = form.querySelector("#lon");
  var lat = form.querySelector("#lat");
  var place = form.querySelector("select[name=place]");
  var chosen = document.getElementById("place-chosen");
  var similarBox = document.getElementById("similar");
  var text = form.querySelector("textarea[name=text]");
  var map = frame ? window[frame.dataset.mapVar] : null;
  var pin = null;

  function say(message) { if (chosen) { chosen.textContent = message; } }

  function setPoint(latlng) {
    lon.value = latlng.lng.toFixed(6);
    lat.value = latlng.lat.toFixed(6);
    if (place) { place.value = ""; }
    say(form.dataset.pinnedLabel || (latlng.lat.toFixed(5) + ", " + latlng.lng.toFixed(5)));
    checkSimilar();
  }

  if (map) {
    map.on("click", function (event) {
      if (pin) {
        pin.setLatLng(event.latlng);
      } else {
        pin = L.marker(event.latlng, { draggable: true, title: "pin", keyboard: false }).addTo(map);
        pin.on("dragend", function () { setPoint(pin.getLatLng()); });
        if (pin._icon) { pin._icon.classList.add("suggestion-new-pin"); }
      }
      setPoint(event.latlng);
    });
    // Restore a pin after a refused submission, so the person does not lose their place.
    if (lon.value && lat.value && !place.value) {
      pin = L.marker([parseFloat(lat.value), parseFloat(lon.value)], { draggable: true }).addTo(map);
      pin.on("dragend", function () { setPoint(pin.getLatLng()); });
    }
  }

  if (place) {
    place.addEventListener("change", function () {
      if (place.value) {
        lon.value = "";
        lat.value = "";
        if (pin && map) { map.removeLayer(pin); pin = null; }
        say(place.options[place.selectedIndex].text);
      }
    });
  }

  var timer = null;
  function checkSimilar() {
    if (!similarBox || !lon.value || !lat.value) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () {
      // The draft goes in the body: a URL with it would land in access logs and history.
      var body = JSON.stringify({
        lon: parseFloat(lon.value), lat: parseFloat(lat.value),
        text: (text ? text.value : "").slice(0, 2000)
      });
      var token = form.querySelector("input[name=csrf_token]");
      fetch(form.dataset.similarUrl, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" }
      }).then(function (r) { return r.ok ? r.json() : null; })
        .then(showSimilar).catch(function () { /* the form works without this hint */ });
    }, 400);
  }

  function showSimilar(data) {
    similarBox.textContent = "";
    var items = (data && data.suggestions) || [];
    if (!items.length) { similarBox.hidden = true; return; }
    var title = document.createElement("p");
    title.textContent = similarBox.dataset.title || "Similar suggestions nearby:";
    similarBox.appendChild(title);
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.text;  // textContent: never HTML from the server
      li.appendChild(link);
      var support = document.createElement("form");
      support.method = "post";
      support.action = item.support_url;
      var token = form.querySelector("input[name=csrf_token]").cloneNode();
      support.appendChild(token);
      var button = document.createElement("button");
      button.type = "submit";
      button.className = "link-button";
      button.textContent = (similarBox.dataset.supportLabel || "Support this instead") + " (+" + item.supports + ")";
      support.appendChild(button);
      li.appendChild(support);
      list.appendChild(li);
    });
    similarBox.appendChild(list);
    similarBox.hidden = false;
  }

  if (text) { text.addEventListener("change", checkSimilar); }
})();
