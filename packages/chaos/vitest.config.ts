import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

// No shared-stack set-up: the fault suite starts (and stops, kills, restarts) a stack of its own.
export default defineConfig(sharedTestConfig('chaos'));
