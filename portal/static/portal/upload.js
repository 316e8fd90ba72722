// Upload with a progress bar (slow connections): the form is sent by XMLHttpRequest and the
// page the server answers replaces this one. Without JavaScript the form posts as usual.
(function () {
  var form = document.getElementById("upload-form");
  var bar = document.getElementById("progress");
  if (!form || !bar || !window.XMLHttpRequest || !window.FormData) return;
  var pressed = null;
  form.querySelectorAll("button[type=submit]").forEach(function (b) {
    b.addEventListener("click", function () { pressed = b; });
  });
  form.addEventListener("submit", function (event) {
    var file = form.querySelector("input[type=file]");
    if (!file || !file.files.length || file.files[0].size < 512 * 1024) return; // small: plain post
    event.preventDefault();
    var data = new FormData(form);
    if (pressed) data.append(pressed.name, pressed.value);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    bar.hidden = false;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    });
    xhr.onload = function () {
      document.open(); document.write(xhr.responseText); document.close();
    };
    xhr.onerror = function () { bar.hidden = true; alert(bar.dataset.failed || "Upload failed."); };
    xhr.send(data);
  });
})();
