// Helpers shared by the head's tests (not part of the module's public face).

export { rng } from "../../testing/index.js";
