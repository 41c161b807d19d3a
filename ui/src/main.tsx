import "./locale";
import "./i18n";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { uiReady } from "./api";
import "./styles.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// The first frame on screen: two animation frames after the first render.
requestAnimationFrame(() => requestAnimationFrame(() => void uiReady().catch(() => {})));
