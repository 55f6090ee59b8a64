import type { Location } from '../router';

export function Reports(props: { loc: Location }) {
  return <h1 data-path={props.loc.path}>Reports</h1>;
}
