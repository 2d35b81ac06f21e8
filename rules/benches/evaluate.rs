//! Decisions per second of `routekaart::evaluate`: every code × action with typical parameters,
//! on the VNG table and on a routekaart with organisation overrides.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use veldwerk_rules::routekaart::{evaluate, Actie, Code, PlannedAction, Routekaart, Transport};

fn plans() -> Vec<(Code, PlannedAction)> {
    let mut out = Vec::new();
    for code in Code::ALL {
        for actie in Actie::ALL {
            out.push((code, PlannedAction::new(actie)));
            out.push((
                code,
                PlannedAction {
                    handhavers: Some(2),
                    transport: Some(Transport::Auto),
                    medewerkers_per_auto: Some(2),
                    coronaproof: Some(false),
                    hardware_ok: Some(true),
                    software_beveiligd: Some(true),
                    ..PlannedAction::new(actie)
                },
            ));
        }
    }
    out
}

const OVERRIDES: &str = r#"
organisatie = "Gemeente Bench"
versie = "1"

[oranje.spreekkamer]
toegestaan = false
reden = "Spreekkamers dicht."

[geel.waarneming]
transport = ["lopen", "fiets"]
extra_voorwaarden = [{ code = "hesje", tekst = "Dienstjas aan." }]
"#;

fn bench(c: &mut Criterion) {
    let plans = plans();
    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(plans.len() as u64));
    let vng = Routekaart::vng_2020();
    group.bench_function("vng_2020", |b| {
        b.iter(|| {
            for (code, plan) in &plans {
                black_box(evaluate(black_box(&vng), *code, black_box(plan)));
            }
        })
    });
    let overridden = match Routekaart::from_overrides(OVERRIDES) {
        Ok(r) => r,
        Err(e) => panic!("bench overrides are valid: {e}"),
    };
    group.bench_function("with_overrides", |b| {
        b.iter(|| {
            for (code, plan) in &plans {
                black_box(evaluate(black_box(&overridden), *code, black_box(plan)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
