// "Report this": any error box opens the Report screen prefilled with the error and where it
// was shown. The App provides `open`; screens name themselves with `ScreenName`.
import { createContext } from "react";
import type { ErrorContext } from "../../bindings/ErrorContext";

export const ReportContext = createContext<{ open: (context: ErrorContext) => void; screen: string }>({
  open: () => {},
  screen: "",
});
