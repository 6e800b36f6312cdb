document.getElementById("root")!.textContent = "Baton";
