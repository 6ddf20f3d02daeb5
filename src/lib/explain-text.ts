/** explain's text form, for the command line (a program using the library gets the Explained object). */
export { explainText } from "../plan/explain.js";
