//! The generating side: clients, their holdings, then the consultations in time order.

use super::*;
/// The generating side of [`generate`]: (holdings, offers, unfinished).
#[allow(clippy::too_many_arguments)]
pub(super) fn produce(
    plan: &Plan<'_>,
    opts: &DemoOptions,
    staff: &mut [Staff],
    tx: &mpsc::SyncSender<Batch>,
    ids_rx: &mpsc::Receiver<Vec<u64>>,
    written: &AtomicU64,
    total: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(u64, u64, u64), DemoError> {
    let send = |b: Batch| tx.send(b).map_err(|_| DemoError::Writer);
    let seed = opts.seed;
    let n_clients =
        usize::try_from(opts.clients).map_err(|_| DemoError::Options("too many clients".into()))?;

    // Clients, and what they already hold from before Sufler.
    let mut memory: Vec<Memory> = vec![Memory::default(); n_clients];
    let mut holdings: Vec<(usize, String)> = Vec::new();
    let mut n_holdings = 0u64;
    let held_before: Vec<(u16, f64)> = plan
        .catalog
        .products
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let share = if p.is_plan() {
                0.02
            } else if !p.disclosure.is_empty() {
                0.04
            } else {
                0.05 + (hash_str(&p.id) % 20) as f64 / 100.0
            };
            u16::try_from(i).ok().map(|i| (i, share))
        })
        .collect();
    let mut batch = Vec::with_capacity(CLIENT_BATCH.min(n_clients));
    for (index, remembered) in memory.iter_mut().enumerate() {
        let client = client_at(seed, index as u64, plan.born_from, plan.born_span);
        let mut rng = Rng::of(seed, 4, index as u64);
        for &(p, share) in &held_before {
            if rng.chance(share) {
                remembered.hold(p);
                holdings.push((index, plan.products[usize::from(p)].clone()));
            }
        }
        batch.push(client);
        if batch.len() == CLIENT_BATCH || index + 1 == n_clients {
            n_holdings += holdings.len() as u64;
            send(Batch::Clients(std::mem::take(&mut batch)))?;
            send(Batch::Holdings(std::mem::take(&mut holdings)))?;
            progress(written.load(Ordering::Relaxed), total);
        }
    }
    send(Batch::ClientsDone)?;
    let ids = ids_rx.recv().map_err(|_| DemoError::Writer)?;
    progress(written.load(Ordering::Relaxed), total);

    // Each client's openness to extra offers: 0.45 ..= 1.25.
    let openness = |index: usize| 0.45 + 0.8 * Rng::of(seed, 5, index as u64).unit();

    let n = opts.consultations;
    let days = working_days(first_day(opts.until, opts.months), opts.until);
    let day_count = days.len() as u64;
    let opening = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
    let now = crate::clock::now();
    const WORKDAY_SECONDS: u64 = 11 * 3600;

    // Who sees whom, decided up front so each officer's last meeting is known: some of those
    // are left unfinished, as if the officer was interrupted at the end of the history.
    let mut rng = Rng::new(seed ^ 0x005E_ED0F_DE30);
    let who: Vec<u8> = (0..n).map(|_| rng.index(staff.len()) as u8).collect();
    let mut last_of = vec![None; staff.len()];
    for (k, &o) in who.iter().enumerate() {
        last_of[usize::from(o)] = Some(k);
    }
    let mut leave_open: Vec<usize> = Vec::new();
    for (o, last) in last_of.iter().enumerate() {
        if let Some(k) = *last {
            if o == 0 || rng.chance(0.4) {
                leave_open.push(k);
            }
        }
    }

    let regulars = (n_clients / 20).max(1);
    let mut offers = 0u64;
    let mut unfinished = 0u64;
    let mut batch: Vec<Consultation> = Vec::with_capacity(CONSULTATION_BATCH);
    let mut batch_from = 0u64;
    for k in 0..n {
        let ku = k as usize;
        let mut rng = Rng::of(seed, 6, k);
        // Spread evenly over the working days, 9:00 to 20:00, in order.
        let pos = u128::from(k) * u128::from(day_count);
        let day = days[(pos / u128::from(n)) as usize];
        // A history ending today ends now: that day's meetings are squeezed in before the
        // present moment, so nothing on screen lies in the future.
        let (from, seconds) = if day == now.date() {
            // Before opening time, the day so far.
            let from = if now > day.and_time(opening) {
                day.and_time(opening)
            } else {
                day.and_time(NaiveTime::MIN)
            };
            let secs = u64::try_from((now - from).num_seconds().max(0)).unwrap_or(0);
            (from, secs.min(WORKDAY_SECONDS))
        } else {
            (day.and_time(opening), WORKDAY_SECONDS)
        };
        let within = (pos % u128::from(n)) * u128::from(seconds) / u128::from(n);
        let started_at = from + TimeDelta::seconds(i64::try_from(within).unwrap_or(0));
        let s = &mut staff[usize::from(who[ku])];
        let month = Month::of(day);
        if s.month != month {
            s.month = month;
            s.plan_sold.clear();
        }
        // A quarter of the meetings are with regular clients.
        let ci = if rng.chance(0.25) {
            rng.index(regulars)
        } else {
            rng.index(n_clients)
        };
        let mut client = client_at(seed, ci as u64, plan.born_from, plan.born_span);
        client.id = ids[ci];
        let history = memory[ci].history(&plan.products);
        let stop_at = leave_open.contains(&ku).then(|| 1 + rng.index(3));
        let c = meeting(
            plan,
            &mut rng,
            s,
            &client,
            &history,
            openness(ci),
            started_at,
            stop_at,
        )?;
        // The officer's figures and the client's memory move on, as the store's would.
        for o in &c.offers {
            *s.rotation
                .entry((o.product.clone(), o.technique))
                .or_default() += 1;
            if o.outcome == Some(Outcome::Accepted) {
                *s.plan_sold.entry(o.product.clone()).or_default() += 1;
            }
        }
        if c.main_outcome == Some(Outcome::Accepted) {
            *s.plan_sold.entry(c.main.clone()).or_default() += 1;
        }
        memory[ci].record(&c, &|id| plan.index_of(id));
        offers += c.offers.len() as u64;
        unfinished += u64::from(!c.is_finished());
        batch.push(c);
        if batch.len() == CONSULTATION_BATCH || k + 1 == n {
            let detail = format!(
                "demo seed {seed}: consultations {} to {}",
                batch_from + 1,
                k + 1
            );
            batch_from = k + 1;
            send(Batch::Consultations(std::mem::take(&mut batch), detail))?;
            progress(written.load(Ordering::Relaxed), total);
        }
    }
    Ok((n_holdings, offers, unfinished))
}
