//! What bounds a request's cost while it runs: the shared budget of request body bytes held in
//! memory, the pool of password checks, and the per-IP rate limits of sign-in and enrollment.
//! Built once per server from `Settings::limits`; the connection limits are `listen`'s.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::AppError;
use crate::settings::Limits;

/// The body budget counts in KiB, so a semaphore's permit count covers any sane budget.
const BUDGET_UNIT: usize = 1024;

/// Forget a client IP's rate limit state after it has been quiet; checked once this many IPs
/// are tracked, so the tables cannot grow without bound.
const RATE_TABLE_SWEEP: usize = 10_000;

/// Reports one address may send through the public form per minute: a person reporting what
/// they saw needs one; a script flooding the worklist is stopped.
pub const MELDINGEN_PER_MINUTE: u32 = 5;

/// The shared bounds of one server.
pub struct Guards {
    body_budget: Arc<Semaphore>,
    body_budget_units: usize,
    password_checks: Arc<Semaphore>,
    password_workers: PasswordWorkers,
    busy_wait: Duration,
    sign_ins: DefaultKeyedRateLimiter<IpAddr>,
    enrollments: DefaultKeyedRateLimiter<IpAddr>,
    meldingen: DefaultKeyedRateLimiter<IpAddr>,
}

/// A password check to run on a worker.
type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads that run password checks; they end when the server's [`Guards`] is
/// dropped (the queue closes).
struct PasswordWorkers {
    queue: Mutex<std::sync::mpsc::Sender<Job>>,
}

impl PasswordWorkers {
    fn start(threads: usize) -> PasswordWorkers {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-check-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password check thread");
            }
        }
        PasswordWorkers {
            queue: Mutex::new(tx),
        }
    }

    fn run(&self, job: Job) -> Result<(), AppError> {
        self.queue
            .lock()
            .map_err(|_| busy())?
            .send(job)
            .map_err(|_| busy())
    }
}

/// Which per-IP rate limit a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    SignIn,
    Enroll,
    /// The public report form `/melden`.
    Melden,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl Guards {
    pub fn new(limits: &Limits) -> Guards {
        let units = limits.body_bytes_in_flight.div_ceil(BUDGET_UNIT).max(1);
        Guards {
            body_budget: Arc::new(Semaphore::new(units.min(Semaphore::MAX_PERMITS))),
            body_budget_units: units.min(Semaphore::MAX_PERMITS),
            password_checks: Arc::new(Semaphore::new(limits.password_check_slots().max(1))),
            password_workers: PasswordWorkers::start(limits.password_check_slots().max(1)),
            busy_wait: limits.busy_wait,
            sign_ins: RateLimiter::keyed(per_minute(limits.sign_ins_per_minute)),
            enrollments: RateLimiter::keyed(per_minute(limits.enrollments_per_minute)),
            meldingen: RateLimiter::keyed(per_minute(MELDINGEN_PER_MINUTE)),
        }
    }

    /// Reserves room for a body of up to `bytes` in the shared budget, waiting at most
    /// `busy_wait` for other requests to give room back. The permit returns the room when
    /// dropped.
    pub async fn reserve_body(&self, bytes: usize) -> Result<OwnedSemaphorePermit, AppError> {
        let units = bytes.div_ceil(BUDGET_UNIT).clamp(1, self.body_budget_units);
        let units = u32::try_from(units).unwrap_or(u32::MAX);
        let acquire = self.body_budget.clone().acquire_many_owned(units);
        match tokio::time::timeout(self.busy_wait, acquire).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(busy()),
        }
    }

    /// Runs `f` (a password check) on one of the server's password workers once a slot is
    /// free; refuses as busy when none frees up in time, so sign-ins cannot take every thread
    /// and 19 MiB each. Dedicated threads rather than the blocking pool: each thread's
    /// allocator arena keeps the 19 MiB it once held, so the number of threads that ever hash
    /// bounds the memory.
    pub async fn password_check<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let permit =
            tokio::time::timeout(self.busy_wait, self.password_checks.clone().acquire_owned())
                .await
                .map_err(|_| busy())?
                .map_err(|_| busy())?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.password_workers.run(Box::new(move || {
            let _ = tx.send(f());
            drop(permit);
        }))?;
        rx.await.map_err(|_| busy())
    }

    /// Counts one request of `ip` against `rate`; refuses with 429 and `Retry-After` when the
    /// IP has used up its share.
    pub fn check_rate(&self, rate: Rate, ip: IpAddr) -> Result<(), RateLimited> {
        let limiter = match rate {
            Rate::SignIn => &self.sign_ins,
            Rate::Enroll => &self.enrollments,
            Rate::Melden => &self.meldingen,
        };
        if limiter.len() > RATE_TABLE_SWEEP {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }
}

/// The client's IP as the connection gave it (`listen` adds it to every request); the
/// unspecified address when the router runs without a listener (in-process tests).
pub fn client_ip(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The server is at one of its bounds for now: try again shortly.
pub fn busy() -> AppError {
    AppError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "server_busy",
        "De server is op dit moment te druk. Probeer het over enkele seconden opnieuw.",
    )
}

/// Too many sign-ins or enrollments from one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimited {
    pub retry_after_secs: u64,
}

impl RateLimited {
    pub fn error(self) -> AppError {
        AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "Te veel pogingen vanaf dit adres. Probeer het over {} seconden opnieuw.",
                self.retry_after_secs
            ),
        )
    }

    /// Sets `Retry-After` on an answer.
    pub fn apply(self, mut response: Response) -> Response {
        if let Ok(v) = HeaderValue::from_str(&self.retry_after_secs.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

impl IntoResponse for RateLimited {
    fn into_response(self) -> Response {
        self.apply(self.error().into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            body_bytes_in_flight: 4 << 10,
            password_checks: 1,
            busy_wait: Duration::from_millis(50),
            sign_ins_per_minute: 2,
            ..Limits::default()
        }
    }

    /// Issue 13, item 9: the body budget is shared; a body larger than what is left waits and is
    /// refused as busy, and dropping a permit gives its room back.
    #[tokio::test]
    async fn body_budget_is_shared_and_returned() {
        let g = Guards::new(&limits());
        let a = g.reserve_body(3 << 10).await.unwrap();
        assert_eq!(
            g.reserve_body(2 << 10).await.unwrap_err().code,
            "server_busy"
        );
        drop(a);
        // Larger than the whole budget: clamped, so it runs alone rather than never.
        let _b = g.reserve_body(1 << 30).await.unwrap();
    }

    /// Issue 13, item 10: one password check at a time with one slot; a second waits and is
    /// refused as busy when the slot does not free up in time.
    #[tokio::test]
    async fn password_checks_are_bounded() {
        let g = Arc::new(Guards::new(&limits()));
        let slow = {
            let g = g.clone();
            tokio::spawn(async move {
                g.password_check(|| std::thread::sleep(Duration::from_millis(300)))
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = g.password_check(|| ()).await;
        assert_eq!(second.unwrap_err().code, "server_busy");
        slow.await.unwrap().unwrap();
        g.password_check(|| ()).await.unwrap();
    }

    /// Issue 13, item 10: sign-ins per IP are rate limited, each IP on its own.
    #[test]
    fn rate_limit_is_per_ip() {
        let g = Guards::new(&limits());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(g.check_rate(Rate::SignIn, a).is_ok());
        assert!(g.check_rate(Rate::SignIn, a).is_ok());
        let limited = g.check_rate(Rate::SignIn, a).unwrap_err();
        assert!(limited.retry_after_secs >= 1);
        assert!(g.check_rate(Rate::SignIn, b).is_ok());
        assert!(g.check_rate(Rate::Enroll, a).is_ok());
    }
}
