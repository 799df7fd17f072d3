//! Shedding load near the memory budget, in a stated order, so the process
//! never outgrows it: above 85% new connections are refused, above 90% the
//! largest output queues are dropped, above 95% connections whose input is
//! held stop being read. Memory in use is what the cgroup is charged when
//! the budget is its limit (socket buffers included), else the process's
//! resident memory, sampled every [`SAMPLE_EVERY`] while a budget is set.

use super::timers::{ConnTimer, Timer};
use super::{Server, Slot};
use std::time::Duration;

/// How often memory in use is measured (two small `/proc` reads).
const SAMPLE_EVERY: Duration = Duration::from_millis(250);

/// Percent of the budget above which new connections are refused.
const REFUSE_ABOVE: usize = 85;

/// Percent above which the largest output queues are dropped.
const DROP_OUTPUT_ABOVE: usize = 90;

/// Percent above which connections with held input are not read.
const STOP_READING_ABOVE: usize = 95;

/// The last measurement and what it decided.
#[derive(Debug, Default)]
pub(super) struct Shedding {
    /// Memory in use at the last sample, in bytes.
    pub(super) used: usize,
    /// New connections are refused until the next sample.
    pub(super) refusing: bool,
}

impl Server {
    /// Samples memory in use, sheds what the level asks for, and schedules
    /// the next sample.
    pub(super) fn check_memory(&mut self) {
        let Some(budget) = self.config.memory_budget else {
            return;
        };
        let at = self.now.instant + SAMPLE_EVERY;
        self.timers.schedule(at, Timer::Memory);
        let Some(used) = crate::sys::memory_in_use(self.config.budget_from_cgroup) else {
            return;
        };
        self.shed.used = used;
        let percent = used.saturating_mul(100) / budget.max(1);
        self.shed.refusing = percent > REFUSE_ABOVE;
        if percent > DROP_OUTPUT_ABOVE {
            // Half of what the queues hold: enough to come back under the
            // mark, not everyone.
            let dropped = self.drop_largest_queues(self.output_cost / 2);
            self.metrics.shed_output_drops += dropped;
        }
        if percent > STOP_READING_ABOVE {
            self.stop_reading_held_input(at);
        }
    }

    /// Stops reading connections that hold input until `until`: what their
    /// clients send waits in the kernel, within its capped buffers.
    fn stop_reading_held_input(&mut self, until: std::time::Instant) {
        for (key, slot) in self.slots.iter_mut() {
            if let Slot::Client(conn) = slot
                && conn.closing.is_none()
                && !conn.paused
                && conn.held_input() > 0
            {
                conn.paused = true;
                self.metrics.shed_read_pauses += 1;
                self.timers
                    .schedule(until, Timer::conn(ConnTimer::Refill, key, conn.id));
            }
        }
    }
}
