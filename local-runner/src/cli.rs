//! The command line of `local-runner`, as clap reads it (every command answers `--help`).

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

const ENVIRONMENT: &str = "\
Environment:
  AWS_ENDPOINT_URL  DynamoDB's endpoint. `serve` and `consume` default it to the local one,
                    http://127.0.0.1:4566, and start it in this process if nothing answers there;
                    the other commands use what it names (AWS when unset)
  TABLE_NAME        the table (default ecommerce-admin)
  STORE_TIMEZONE    the store's IANA time zone (default UTC)
  STORE_OPENED      the first day that can hold sales (default 2000-01-01)
  AUTH_MODE         off (the default here), local-jwt (the groups of the bearer token's claims,
                    not verified) or authorizer
  LAMBDA=1          `serve` runs the real function binaries under `cargo lambda watch`
                    (LAMBDA_INVOKE_PORT, default 9000; LAMBDA_NO_RELOAD=1)
  AWS_REGION        the region (default: the profile's, else us-east-1; never looked up from EC2's
                    instance metadata)";

/// The e-commerce admin API on this machine: every function behind one port like API Gateway,
/// the table's stream into the counters like the event source mapping, the daily report on the
/// template's schedule, against a local DynamoDB; and the commands around them.
#[derive(Debug, Parser)]
#[command(name = "local-runner", version, after_help = ENVIRONMENT, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a command: `serve` with these options.
    #[command(flatten)]
    pub serve: Serve,
}

impl Cli {
    /// The command given, `serve` when none.
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.serve))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API, consume the stream and run the schedule (the default command)
    Serve(Serve),
    /// Consume the table's stream into the counters, without the API (for instance a backlog
    /// left by `serve --stream off`)
    #[command(after_help = "Run it while no other consumer reads the stream (`serve --stream off`): both would \
                            move the same checkpoints.")]
    Consume(Consume),
    /// Run the local DynamoDB (and DynamoDB Streams) alone, until Ctrl-C
    Dynamodb(Dynamodb),
    /// Create the table as template.yaml defines it, unless it exists
    CreateTable,
    /// Create the table, and load the demo data (data/seed-demo.json) if it is empty
    Seed,
    /// Build (or rebuild) one day's daily report and print it
    Report {
        /// The store day, e.g. 2023-10-08
        #[arg(value_parser = parse_date)]
        date: NaiveDate,
    },
    /// Recompute the counters from the sales and returns: report drift, or repair it
    Aggregates {
        #[arg(value_enum)]
        action: AggregatesAction,
    },
    /// Print the API's OpenAPI document (docs/openapi.json)
    Openapi,
    /// Send every schedule's event of template.yaml now, as EventBridge Scheduler would
    ScheduleNow {
        /// The scheduled time, RFC 3339 (default now): the report is of the store day before it
        #[arg(value_parser = parse_time)]
        time: Option<DateTime<Utc>>,
        /// To the functions' handlers in this process, on the table, instead of the Lambda
        /// emulator at LAMBDA_INVOKE_PORT (default 9000)
        #[arg(long)]
        in_process: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AggregatesAction {
    /// Report counters that differ from the raw sales and returns (exit 1 if any)
    Verify,
    /// Also repair them (and write missing lookups by sale id)
    Rebuild,
}

impl AggregatesAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AggregatesAction::Verify => "verify",
            AggregatesAction::Rebuild => "rebuild",
        }
    }
}

/// What `serve` and `consume` share: where the local DynamoDB keeps its data and the consumer its
/// checkpoints.
#[derive(Debug, Clone, Args)]
pub struct Stack {
    /// The SQLite file of the local DynamoDB started in this process (default
    /// .local/dynamodb-<port>.sqlite3)
    #[arg(long, env = "DYNAMODB_DATA")]
    pub data: Option<PathBuf>,
    /// Contention in the local DynamoDB started in this process: each transaction lasts at least
    /// N ms and holds its items meanwhile; a concurrent one on any of them is cancelled with
    /// TransactionConflict, as DynamoDB cancels concurrent transactions on one item
    #[arg(long, env = local_dynamodb::CONTENTION_ENV, value_name = "MS")]
    pub contention_ms: Option<u64>,
    /// Where the stream consumer keeps its checkpoint per table
    #[arg(long, env = "STREAM_CHECKPOINT_DIR", default_value = ".local/stream-checkpoints")]
    pub checkpoints: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct Serve {
    /// The API's port on 127.0.0.1
    #[arg(long, env = "PORT", default_value_t = 3000)]
    pub port: u16,
    /// The stream consumer: `off` serves the API alone, like a disabled event source mapping
    /// (`local-runner consume` reads the backlog later)
    #[arg(long, env = "STREAM", value_enum, default_value_t = Switch::On)]
    pub stream: Switch,
    #[command(flatten)]
    pub stack: Stack,
}

#[derive(Debug, Clone, Args)]
pub struct Consume {
    /// Stop once the stream is read to its end (every batch handed), instead of at Ctrl-C
    #[arg(long)]
    pub until_idle: bool,
    #[command(flatten)]
    pub stack: Stack,
}

#[derive(Debug, Clone, Args)]
pub struct Dynamodb {
    /// The port on 127.0.0.1
    #[arg(long, default_value_t = 4566)]
    pub port: u16,
    /// The SQLite file (default .local/dynamodb-<port>.sqlite3)
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Contention: each transaction lasts at least N ms and holds its items meanwhile; a
    /// concurrent one on any of them is cancelled with TransactionConflict, as DynamoDB cancels
    /// concurrent transactions on one item
    #[arg(long, env = local_dynamodb::CONTENTION_ENV, value_name = "MS")]
    pub contention_ms: Option<u64>,
}

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    #[value(alias = "1", alias = "true")]
    On,
    #[value(alias = "0", alias = "false")]
    Off,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    reports::parse_date(text).ok_or_else(|| "the date must be written like 2023-10-08".into())
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    app::time::parse_rfc3339(text).ok_or_else(|| "the time must be RFC 3339, e.g. 2023-10-09T00:15:00Z".into())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Cli::try_parse_from(std::iter::once("local-runner").chain(args.iter().copied())).map(Cli::into_command)
    }

    #[test]
    fn the_definition_is_consistent() {
        <Cli as CommandFactory>::command().debug_assert();
    }

    #[test]
    fn every_command_of_the_scripts_and_the_readme_parses() {
        // (PORT and STREAM may be set around the test: only what the arguments say is asserted.)
        assert!(matches!(parse(&[]), Ok(Command::Serve(_))));
        assert!(matches!(parse(&["serve", "--stream", "off"]), Ok(Command::Serve(Serve { stream: Switch::Off, .. }))));
        assert!(matches!(parse(&["--port", "4000"]), Ok(Command::Serve(Serve { port: 4000, .. }))));
        assert!(matches!(parse(&["consume", "--until-idle"]), Ok(Command::Consume(Consume { until_idle: true, .. }))));
        let Ok(Command::Dynamodb(d)) = parse(&["dynamodb", "--port", "4567", "--data", "x.sqlite3"]) else { panic!() };
        assert_eq!((d.port, d.data), (4567, Some(PathBuf::from("x.sqlite3"))));
        assert!(matches!(parse(&["create-table"]), Ok(Command::CreateTable)));
        assert!(matches!(parse(&["seed"]), Ok(Command::Seed)));
        let Ok(Command::Report { date }) = parse(&["report", "2023-10-08"]) else { panic!() };
        assert_eq!(date, NaiveDate::from_ymd_opt(2023, 10, 8).unwrap());
        assert!(matches!(
            parse(&["aggregates", "rebuild"]),
            Ok(Command::Aggregates { action: AggregatesAction::Rebuild })
        ));
        assert!(matches!(parse(&["openapi"]), Ok(Command::Openapi)));
        let Ok(Command::ScheduleNow { time, in_process }) = parse(&["schedule-now", "2023-10-09T00:15:00Z"]) else {
            panic!()
        };
        assert_eq!(time.unwrap().to_rfc3339(), "2023-10-09T00:15:00+00:00");
        assert!(!in_process);
    }

    #[test]
    fn bad_input_is_refused_with_what_is_wrong() {
        use clap::error::ErrorKind;
        assert_eq!(parse(&["--help"]).unwrap_err().kind(), ErrorKind::DisplayHelp);
        assert_eq!(parse(&["consume", "--help"]).unwrap_err().kind(), ErrorKind::DisplayHelp);
        assert_eq!(parse(&["nonsense"]).unwrap_err().kind(), ErrorKind::InvalidSubcommand);
        let e = parse(&["report", "2023-13-01"]).unwrap_err();
        assert!(e.to_string().contains("the date must be written like 2023-10-08"), "{e}");
        assert_eq!(parse(&["report"]).unwrap_err().kind(), ErrorKind::MissingRequiredArgument);
        assert_eq!(parse(&["aggregates", "fix"]).unwrap_err().kind(), ErrorKind::InvalidValue);
        assert_eq!(parse(&["dynamodb", "--port", "x"]).unwrap_err().kind(), ErrorKind::ValueValidation);
        assert_eq!(parse(&["serve", "--stream", "maybe"]).unwrap_err().kind(), ErrorKind::InvalidValue);
    }
}
