/**
 * Setup file: vitest imports it again before every test file (setup files run per file even with
 * `isolate: false`), so each file gets this `afterAll`, registered before the file's own hooks and
 * therefore run after them (afterAll hooks run in reverse): the file's servers are stopped before
 * its scratch directories go.
 */
import { afterAll } from "vitest";
import { removeScratch } from "./scratch";

afterAll(removeScratch);
