import type { Location } from '../router';

export function Sales(props: { loc: Location }) {
  return <h1 data-path={props.loc.path}>Sales</h1>;
}
