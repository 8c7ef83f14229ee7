'use strict';
// Runs Azurite's table service inside this Node process and ends it once the process that launched it is
// gone. The .NET side kills this process when it disposes it, but a .NET process that is itself killed
// (SIGKILL, a stopped debugger, a crashed test host) cannot, and Azurite would then hold its port forever.
//
// Usage: node azurite-with-parent.js <parent-pid> <azurite/dist/src/table/main.js> [azurite options...]

const [parentPidText, tableMain, ...azuriteArgs] = process.argv.slice(2);
const parentPid = Number.parseInt(parentPidText, 10);
if (!Number.isInteger(parentPid) || parentPid <= 0 || !tableMain) {
  console.error('usage: azurite-with-parent.js <parent-pid> <table-main.js> [azurite options...]');
  process.exit(2);
}

function parentIsAlive() {
  try {
    process.kill(parentPid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user, so it is still there.
    return error.code === 'EPERM';
  }
}

if (!parentIsAlive()) {
  process.exit(0);
}

setInterval(() => {
  if (!parentIsAlive()) {
    process.exit(0);
  }
}, 500);

// Azurite's option parser reads process.argv as if main.js had been started directly.
process.argv = [process.argv[0], tableMain, ...azuriteArgs];
require(tableMain);
