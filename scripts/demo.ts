// The building blocks on a real digit: a placeholder until training lands (issue 5). Run: npm run demo
import { randn } from "../src/index.js";
console.log(randn([2, 3]).toString());
